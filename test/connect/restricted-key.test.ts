import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unseal } from "../../server/crypto/seal.js";
import { STRIPE_API_VERSION } from "../../server/stripe/client.js";
import { ICODRIP_EVENTS } from "../../server/stripe/connect/events.js";
import { storeKinds } from "../support/stores.js";
import { signup } from "../support/server.js";
import { requestsTo, startRig, type Rig } from "./harness.js";

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Connect Stripe with a restricted key on the ${kind.name} store`, () => {
    let rig: Rig;
    beforeAll(async () => {
      // A self-hosted install that is no Connect platform: no STRIPE_SECRET_KEY / STRIPE_CLIENT_ID.
      rig = await startRig(kind, { platform: false });
    });
    afterAll(async () => {
      await rig.stop();
    });

    const connect = (key: string, restrictedKey: string) => rig.server.api("POST", "/api/v1/integrations/stripe", { key, body: { restrictedKey } });
    const status = async (key: string) => (await rig.server.api("GET", "/api/v1/integrations/stripe", { key })).body;
    const hookUrl = (accountId: string) => `${rig.server.url}/webhooks/stripe/${accountId}`;

    it("registers Icodrip's endpoint on the merchant's own account and keeps key and secret sealed", async () => {
      const key = await signup(rig.server);
      const { accountId, restrictedKey } = rig.emulator.createAccount();
      const res = await connect(key, restrictedKey);
      expect(res.status).toBe(201);

      const endpoints = rig.emulator.webhookEndpoints(accountId);
      expect(endpoints).toHaveLength(1);
      const endpoint = endpoints[0];
      expect(endpoint).toMatchObject({ url: hookUrl(accountId), connect: false, apiVersion: STRIPE_API_VERSION, status: "enabled" });
      // account.application.deauthorized only ever reaches a platform's Connect endpoint.
      expect([...endpoint.enabledEvents].sort()).toEqual(ICODRIP_EVENTS.filter((e) => e !== "account.application.deauthorized").sort());
      expect(rig.emulator.webhookEndpoints()).toEqual([]);

      expect(res.body).toEqual({
        status: "connected",
        accounts: [
          {
            accountId,
            method: "restricted_key",
            livemode: false,
            status: "connected",
            webhook: { id: endpoint.id, url: hookUrl(accountId), enabledEvents: endpoint.enabledEvents, lastEventAt: null },
            problem: null,
          },
        ],
      });

      const stored = await rig.server.store.connectionByAccount(accountId, false);
      const secret = rig.server.ctx.config.secret;
      expect(unseal(secret, "webhook-secret", stored!.webhook!.sealedSecret!)).toBe(endpoint.secret);
      expect(unseal(secret, "stripe-token", stored!.sealedToken)).toBe(restrictedKey);
      const atRest = rig.writes.join("\n");
      expect(atRest).not.toContain("whsec_");
      expect(atRest).not.toContain(restrictedKey);
    });

    it("replaces its older endpoint for the same URL when the key is connected again", async () => {
      const key = await signup(rig.server);
      const { accountId, restrictedKey } = rig.emulator.createAccount();
      await connect(key, restrictedKey);
      const [first] = rig.emulator.webhookEndpoints(accountId);
      expect((await connect(key, restrictedKey)).status).toBe(201);
      const now = rig.emulator.webhookEndpoints(accountId);
      expect(now).toHaveLength(1);
      expect(now[0].id).not.toBe(first.id);
      expect((await status(key)).accounts).toHaveLength(1);
    });

    it("names the permission Stripe says the key lacks, and stores nothing", async () => {
      const key = await signup(rig.server);
      const { accountId } = rig.emulator.createAccount();
      const readOnly = rig.emulator.createRestrictedKey(accountId, ["accounts_kyc_basic_read", "webhook_read"]);
      const res = await connect(key, readOnly);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("stripe_permission_missing");
      expect(res.body.error.message).toContain("Having the 'rak_webhook_write' permission would allow this request to continue.");
      expect(res.body.error.fields.restrictedKey).toBe(res.body.error.message);
      expect(rig.emulator.webhookEndpoints(accountId)).toEqual([]);
      expect(await status(key)).toEqual({ status: "not_connected", accounts: [] });

      const cannotRead = rig.emulator.createRestrictedKey(accountId, ["webhook_write"]);
      const second = await connect(key, cannotRead);
      expect(second.status).toBe(422);
      expect(second.body.error.message).toContain("'rak_accounts_kyc_basic_read'");
    });

    it("refuses secret and publishable keys with the reason, before calling Stripe", async () => {
      const key = await signup(rig.server);
      const calls = rig.emulator.requests.length;
      const secret = await connect(key, rig.emulator.createAccount().secretKey);
      expect(secret.status).toBe(400);
      expect(secret.body.error.fields.restrictedKey).toMatch(/not a secret key: a secret key can do anything/);
      const publishable = await connect(key, "pk_test_abc123");
      expect(publishable.body.error.fields.restrictedKey).toMatch(/not a publishable key/);
      expect((await connect(key, "hello")).status).toBe(400);
      expect(rig.emulator.requests.length).toBe(calls);
    });

    it("answers a key Stripe does not know with what to do", async () => {
      const key = await signup(rig.server);
      const res = await connect(key, "rk_test_doesnotexist");
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("stripe_key_invalid");
      expect(res.body.error.message).toMatch(/^Stripe does not accept this key: Invalid API Key provided/);
    });

    it("shows needs_repair for a deleted or disabled endpoint; Repair Webhooks registers a new one", async () => {
      const key = await signup(rig.server);
      const { accountId, restrictedKey } = rig.emulator.createAccount();
      await connect(key, restrictedKey);
      const [original] = rig.emulator.webhookEndpoints(accountId);

      rig.emulator.deleteEndpoint(original.id);
      const missing = await status(key);
      expect(missing.status).toBe("needs_repair");
      expect(missing.accounts[0].problem).toBe(
        `Webhook endpoint missing: ${original.id} no longer exists in Stripe (it was deleted), so no events reach Icodrip; press Repair Webhooks.`,
      );

      const repaired = await rig.server.api("POST", "/api/v1/integrations/stripe/repair-webhooks", { key });
      expect(repaired.status).toBe(200);
      expect(repaired.body.status).toBe("connected");
      const [replacement] = rig.emulator.webhookEndpoints(accountId);
      expect(replacement.id).not.toBe(original.id);
      expect(repaired.body.accounts[0]).toMatchObject({ problem: null, webhook: { id: replacement.id } });
      const stored = await rig.server.store.connectionByAccount(accountId, false);
      expect(unseal(rig.server.ctx.config.secret, "webhook-secret", stored!.webhook!.sealedSecret!)).toBe(replacement.secret);

      rig.emulator.disableEndpoint(replacement.id);
      const disabled = await status(key);
      expect(disabled.accounts[0].problem).toMatch(/^Webhook endpoint disabled: .*press Repair Webhooks\.$/);
      await rig.server.api("POST", "/api/v1/integrations/stripe/repair-webhooks", { key });
      const endpoints = rig.emulator.webhookEndpoints(accountId);
      expect(endpoints).toHaveLength(1);
      expect(endpoints[0]).toMatchObject({ status: "enabled" });
      expect(endpoints[0].id).not.toBe(replacement.id);
      expect((await status(key)).status).toBe("connected");
    });

    it("names a revoked key as the problem; repair cannot mend it and says so by leaving it", async () => {
      const key = await signup(rig.server);
      const { accountId, restrictedKey } = rig.emulator.createAccount();
      await connect(key, restrictedKey);
      rig.emulator.revokeKey(restrictedKey);
      const revoked = await status(key);
      expect(revoked.status).toBe("needs_repair");
      expect(revoked.accounts[0].problem).toMatch(new RegExp(`^Key revoked: Stripe no longer accepts the restricted key of ${accountId} \\(Expired API Key provided`));
      const repaired = await rig.server.api("POST", "/api/v1/integrations/stripe/repair-webhooks", { key });
      expect(repaired.body.status).toBe("needs_repair");
    });

    it("disconnects: deletes its endpoint on the merchant's account and keeps the record", async () => {
      const key = await signup(rig.server);
      const { accountId, restrictedKey } = rig.emulator.createAccount();
      await connect(key, restrictedKey);
      const res = await rig.server.api("DELETE", `/api/v1/integrations/stripe/${accountId}`, { key });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: "not_connected", accounts: [expect.objectContaining({ accountId, status: "disconnected" })] });
      expect(rig.emulator.webhookEndpoints(accountId)).toEqual([]);
      expect(requestsTo(rig, "POST", "/oauth/deauthorize")).toEqual([]);
      const stored = await rig.server.store.connectionByAccount(accountId, false);
      expect(stored).toMatchObject({ status: "disconnected", sealedToken: "", webhook: { sealedSecret: null } });
    });

    it("keeps test-mode and live-mode connections side by side", async () => {
      const key = await signup(rig.server);
      const test = rig.emulator.createAccount();
      const live = rig.emulator.createAccount({ livemode: true });
      expect(live.restrictedKey).toMatch(/^rk_live_/);
      await connect(key, test.restrictedKey);
      const both = (await connect(key, live.restrictedKey)).body;
      expect(both.status).toBe("connected");
      expect(both.accounts.map((a: { accountId: string; livemode: boolean }) => [a.accountId, a.livemode]).sort()).toEqual(
        [
          [test.accountId, false],
          [live.accountId, true],
        ].sort(),
      );
      expect(rig.emulator.webhookEndpoints(live.accountId)[0].livemode).toBe(true);
      const after = await rig.server.api("DELETE", `/api/v1/integrations/stripe/${live.accountId}?livemode=true`, { key });
      expect(after.body.status).toBe("connected");
      expect(after.body.accounts.find((a: { livemode: boolean }) => !a.livemode).status).toBe("connected");
    });

    it("will not connect an account another workspace has connected", async () => {
      const { restrictedKey, accountId } = rig.emulator.createAccount();
      await connect(await signup(rig.server), restrictedKey);
      const res = await connect(await signup(rig.server, "Other"), restrictedKey);
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain(accountId);
      expect(rig.emulator.webhookEndpoints(accountId)).toHaveLength(1);
    });
  });
}
