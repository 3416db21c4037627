import "./layout.js";
import "./record-actions.js";
import type { FormBody, ProgramCreateBody } from "./api-types.js";
import { bindCreateForms } from "./create-forms.js";
import { programBody } from "./program-body.js";

// The Programs tab's script: "Add a program" (create-forms.ts), and each program's edit form,
// Disable / Enable and Delete buttons and Copy buttons (record-actions.ts binds them all).

bindCreateForms({ programs: (d: FormData): FormBody<ProgramCreateBody> => programBody(d) });
