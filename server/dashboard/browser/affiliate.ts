import "./layout.js";
import "./record-actions.js";
import { swapLiveRegions, whenChanged } from "./live.js";
import { rangePicker } from "./page.js";

// One affiliate's page: the range picker's dates matter only for a custom range, the figures
// follow new clicks and conversions while the page is open, and the affiliate's and links'
// buttons (Edit, Disable, Portal link, Delete, Copy) are record-actions.ts's.

rangePicker();
whenChanged(swapLiveRegions);
