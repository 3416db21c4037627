import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { affiliateOut, integrationStatusOut, programOut } from "../../server/http/present.js";
import { PROMO_READ_PERMISSIONS } from "../../server/stripe/promotions.js";
import { signup } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { startRig, type Rig } from "./harness.js";

// A restricted key that cannot read what naming a payment's promotion code takes shows as a
// problem on the integration's status, once the workspace ties a code.

const CONNECT_PERMISSIONS = ["accounts_kyc_basic_read", "webhook_write"];

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`restricted-key permissions for promotion codes on the ${kind.name} store`, () => {
    let rig: Rig;
    beforeAll(async () => {
      rig = await startRig(kind, { platform: false });
    });
    afterAll(async () => {
      await rig.stop();
    });

    const status = async (key: string) => integrationStatusOut.parse((await rig.server.api("GET", "/api/v1/integrations/stripe", { key })).body);

    async function connectedWith(permissions: string[]) {
      const key = await signup(rig.server);
      const { restrictedKey } = rig.emulator.createAccount({ restrictedKeyPermissions: permissions });
      expect((await rig.server.api("POST", "/api/v1/integrations/stripe", { key, body: { restrictedKey } })).status).toBe(201);
      return key;
    }

    async function tieCode(key: string) {
      const call = async (path: string, body: object) => (await rig.server.api("POST", path, { key, body })).body as unknown;
      const program = programOut.parse(await call("/api/v1/programs", { name: "Main", url: "https://shop.example.com", commission: { type: "percent", percent: 10 } }));
      const affiliate = affiliateOut.parse(await call("/api/v1/affiliates", { programId: program.id, name: "Ann", email: "ann@example.com" }));
      z.object({ id: z.string() }).parse(await call("/api/v1/promo-codes", { affiliateId: affiliate.id, code: "ANN10" }));
    }

    it("names the missing read permissions once a code is tied, and not before", async () => {
      const key = await connectedWith([...CONNECT_PERMISSIONS, "checkout_session_read"]);
      expect(await status(key)).toMatchObject({ status: "connected", accounts: [{ problem: null }] });
      await tieCode(key);
      const after = await status(key);
      expect(after.status).toBe("needs_repair");
      expect(after.accounts[0].problem).toContain("invoice_read, promotion_code_read");
      expect(after.accounts[0].problem).not.toContain("checkout_session_read");
    });

    it("shows no problem for a key with the listed permissions", async () => {
      const key = await connectedWith([...CONNECT_PERMISSIONS, ...PROMO_READ_PERMISSIONS]);
      await tieCode(key);
      expect(await status(key)).toMatchObject({ status: "connected", accounts: [{ problem: null }] });
    });
  });
}
