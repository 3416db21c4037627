import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SqliteBackend } from "../../server/store/sqlite-backend.js";

// Issue 7: what another local user or a careless operator could do to the store.

describe("the embedded store's files", () => {
  it("are created readable by their owner only (0600), like the secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "icodrip-mode-"));
    const backend = new SqliteBackend(dir);
    try {
      // A write makes the -wal and -shm files appear.
      await backend.commit({ checks: [], puts: [{ key: "k", value: "{}" }], deletes: [], indexAdds: [], indexRemoves: [] });
      for (const name of ["icodrip.sqlite", "icodrip.sqlite-wal", "icodrip.sqlite-shm"]) {
        expect({ name, mode: (statSync(join(dir, name)).mode & 0o777).toString(8) }).toEqual({ name, mode: "600" });
      }
    } finally {
      await backend.close();
    }
  });
});
