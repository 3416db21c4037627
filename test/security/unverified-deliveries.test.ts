import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seal } from "../../server/crypto/seal.js";
import { hashApiKey } from "../../server/domain/password.js";
import { REJECTED_PER_ADDRESS_PER_MINUTE } from "../../server/stripe/webhooks/rejections.js";
import { ICODRIP_SECRET, merchant, page, PLATFORM_SECRET, SERVER_ENV, type Merchant } from "../dashboard/support.js";
import { signup, startTestServer, captureLog, type TestServer } from "../support/server.js";
import { checkoutSession, event, sign } from "../support/stripe-events.js";
import { storeKinds } from "../support/stores.js";

// Issue 8, item 5: a delivery to the platform endpoint that fails verification (wrong secret,
// stale stamp) or is refused (old API version) is shown in the Webhooks log of the workspace that
// connected the account its body names, marked unverified when it is, and every rejection is
// logged at warn level. Replayed as a newcomer whose secret is wrong and as an attacker who knows
// a merchant's account id, on both stores.

const WRONG_SECRET = "whsec_rolledinstripe";
// Put in every body: no log line and no row may repeat it.
const BODY_MARKER = "body-marker-7f3a";
const seconds = (ms: number) => Math.floor(ms / 1000);

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Rejected deliveries in the merchant's log, ${kind.name} store`, () => {
    let server: TestServer;
    let clock = 0;
    let lines: Record<string, any>[] = [];
    let victim: Merchant;
    let bystander: Merchant;
    const platformUrl = () => `${server.url}/webhooks/stripe`;

    beforeAll(async () => {
      server = await startTestServer(kind, { ...SERVER_ENV, TRUST_PROXY: "true" });
      server.ctx.now = () => clock;
      lines = captureLog(server);
    });
    afterAll(async () => {
      await server.stop();
    });

    // Each test in a minute of its own (5 s into it), so coalesced rows and limits stay apart.
    async function atNextMinute(): Promise<number> {
      const minute = Math.max(Math.floor(Date.now() / 60_000), Math.floor(clock / 60_000)) + 1;
      clock = minute * 60_000 + 5_000;
      victim = await merchant(server);
      bystander = await merchant(server);
      lines.length = 0;
      return clock;
    }

    let addresses = 0;
    const nextAddress = () => `198.51.100.${addresses++ % 250}`;

    async function post(url: string, payload: string, o: { signature?: string; from?: string } = {}) {
      const headers: Record<string, string> = { "content-type": "application/json", "x-forwarded-for": o.from ?? nextAddress() };
      if (o.signature) headers["stripe-signature"] = o.signature;
      const res = await fetch(url, { method: "POST", headers, body: payload });
      return { status: res.status, body: (await res.json()) };
    }

    const payment = (account: string, env: { livemode?: boolean; api_version?: string } = {}) =>
      event("checkout.session.completed", checkoutSession({ metadata: { note: BODY_MARKER } }), { account, ...env });

    async function rows(m: Merchant): Promise<any[]> {
      const res = await server.api("GET", "/api/v1/webhook-deliveries?limit=100", { key: m.key });
      expect(res.status).toBe(200);
      return res.body.data;
    }
    const globalRows = async (at: number) => (await server.store.listPlatformDeliveries({ limit: 100, from: at - 1, to: at + 1 })).data;
    const warnings = () => lines.filter((l) => l.msg === "webhook delivery rejected");

    it("shows a delivery signed with a wrong secret in the named account's workspace as rejected and unverified, with the repair hint", async () => {
      const now = await atNextMinute();
      const evt = payment(victim.accountId);
      const payload = JSON.stringify(evt);
      const res = await post(platformUrl(), payload, { signature: sign(payload, WRONG_SECRET, seconds(now)) });
      expect(res.status).toBe(401);

      const [row, ...others] = await rows(victim);
      expect(others).toEqual([]);
      expect(row).toMatchObject({
        outcome: "rejected",
        verified: false,
        eventId: evt.id,
        type: "checkout.session.completed",
        accountId: victim.accountId,
        livemode: false,
        apiVersion: evt.api_version,
        count: 1,
      });
      expect(row.message).toMatch(/^The Stripe-Signature did not verify: /);
      expect(row.message).toContain("The endpoint's signing secret may have been rolled in Stripe; press Repair Webhooks in Settings › Integrations.");
      expect(row.message).toMatch(/unverified/);
      expect(await rows(bystander)).toEqual([]);
      // The platform's own log keeps its row, as before.
      expect(await globalRows(now)).toMatchObject([{ outcome: "rejected", verified: false, accountId: null, count: 1 }]);
    });

    it("shows a refused old API version (400) in the named account's workspace, as verified since Stripe signed it", async () => {
      const now = await atNextMinute();
      const evt = payment(victim.accountId, { api_version: "2022-11-15" });
      const payload = JSON.stringify(evt);
      const res = await post(platformUrl(), payload, { signature: sign(payload, PLATFORM_SECRET, seconds(now)) });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("unsupported_api_version");

      const [row, ...others] = await rows(victim);
      expect(others).toEqual([]);
      expect(row).toMatchObject({ outcome: "rejected", verified: true, eventId: evt.id, accountId: victim.accountId, apiVersion: "2022-11-15", count: 1 });
      expect(row.message).toContain("2022-11-15");
      expect(row.message).toContain("Repair Webhooks");
      expect(await rows(bystander)).toEqual([]);
    });

    it("shows a stale stamp as unverified, and a body without livemode in either mode's workspace, never in another mode's", async () => {
      const now = await atNextMinute();
      // An account connected in live mode only, by a workspace of its own.
      const liveKey = await signup(server);
      const live = (await server.store.workspaceByApiKeyHash(hashApiKey(liveKey)))!;
      const liveAccount = `acct_liveonly${Date.now().toString(36)}${kind.name.replace(/\W/g, "")}`;
      await server.store.putConnection({
        workspaceId: live.id,
        accountId: liveAccount,
        livemode: true,
        method: "oauth",
        sealedToken: seal(ICODRIP_SECRET, "stripe-token", "rk_live_x"),
        webhook: null,
        status: "connected",
        lastEventAt: null,
        problem: null,
        connectedAt: now,
      });
      const liveRows = async () => (await server.api("GET", "/api/v1/webhook-deliveries?limit=100", { key: liveKey })).body.data as any[];

      const stale = JSON.stringify(payment(victim.accountId));
      const res = await post(platformUrl(), stale, { signature: sign(stale, PLATFORM_SECRET, seconds(now) - 301) });
      expect(res.status).toBe(401);
      const [row] = await rows(victim);
      expect(row).toMatchObject({ outcome: "rejected", verified: false, accountId: victim.accountId });
      expect(row.message).toMatch(/301 s old/);

      // Claimed test mode: the live-only workspace is not named.
      const testMode = JSON.stringify(payment(liveAccount, { livemode: false }));
      expect((await post(platformUrl(), testMode, { signature: sign(testMode, WRONG_SECRET, seconds(now)) })).status).toBe(401);
      expect(await liveRows()).toEqual([]);
      // No livemode at all: either mode's connection counts.
      const { livemode: _omitted, ...modeless } = payment(liveAccount);
      const noMode = JSON.stringify(modeless);
      expect((await post(platformUrl(), noMode, { signature: sign(noMode, WRONG_SECRET, seconds(now)) })).status).toBe(401);
      expect(await liveRows()).toMatchObject([{ outcome: "rejected", verified: false, accountId: liveAccount, livemode: null }]);
    });

    it("keeps a delivery naming an unknown account in the global log only", async () => {
      const now = await atNextMinute();
      const before = await globalRows(now);
      const payload = JSON.stringify(payment("acct_nobodyconnectedthis"));
      expect((await post(platformUrl(), payload, { signature: sign(payload, WRONG_SECRET, seconds(now)) })).status).toBe(401);
      expect(await rows(victim)).toEqual([]);
      expect(await rows(bystander)).toEqual([]);
      const after = await globalRows(now);
      expect(after.length).toBe(before.length + 1);
      expect(after.reduce((sum, d) => sum + (d.count ?? 1), 0)).toBe(before.reduce((sum, d) => sum + (d.count ?? 1), 0) + 1);
    });

    it("reflects nothing of the body but its checked fields", async () => {
      const now = await atNextMinute();
      const hostile = { ...payment(victim.accountId), id: `evt_<img src=x onerror=alert(1)>`, type: "<script>alert(1)</script>", api_version: "x".repeat(500) };
      const payload = JSON.stringify(hostile);
      expect((await post(platformUrl(), payload, { signature: sign(payload, WRONG_SECRET, seconds(now)) })).status).toBe(401);
      const [row] = await rows(victim);
      expect(row).toMatchObject({ outcome: "rejected", verified: false, accountId: victim.accountId, eventId: null, type: null, apiVersion: null });
      expect(JSON.stringify(row)).not.toContain(BODY_MARKER);
      expect(JSON.stringify(row)).not.toContain("<");
    });

    it("leaves at most a handful of rows, with counts, after 300 bad deliveries a minute naming the victim's account", async () => {
      const now = await atNextMinute();
      // From 10 addresses, each within its limit; ids, modes (claimed, absent, not a boolean) and
      // stamps vary, every secret is a guess, and a tenth are unsigned.
      const sends = Array.from({ length: 300 }, (_, i) => {
        const evt = payment(victim.accountId, i % 3 === 2 ? {} : { livemode: i % 3 === 1 });
        const payload = JSON.stringify(i % 7 === 6 ? { ...evt, livemode: "yes" } : evt);
        const from = `203.0.113.${i % 10}`;
        const signature = i % 10 === 9 ? undefined : sign(payload, `whsec_guess${i}`, seconds(now) - (i % 11 === 0 ? 600 : 0));
        return () => post(platformUrl(), payload, { from, signature });
      });
      const answers: number[] = [];
      for (let at = 0; at < sends.length; at += 50) answers.push(...(await Promise.all(sends.slice(at, at + 50).map((s) => s()))).map((a) => a.status));
      expect(answers.every((s) => s === 401)).toBe(true);
      expect(answers).toHaveLength(10 * REJECTED_PER_ADDRESS_PER_MINUTE);

      const victimRows = await rows(victim);
      expect(victimRows.length).toBeGreaterThan(0);
      expect(victimRows.length).toBeLessThanOrEqual(3);
      expect(victimRows.every((d) => d.outcome === "rejected" && d.verified === false)).toBe(true);
      // Unsigned posts are not shown to the merchant: the rest are all counted.
      expect(victimRows.reduce((sum: number, d: { count: number }) => sum + d.count, 0)).toBe(300 - 30);
      expect(await rows(bystander)).toEqual([]);

      // One more address past its limit writes nothing at all.
      const payload = JSON.stringify(payment(victim.accountId));
      const past = await Promise.all(
        Array.from({ length: REJECTED_PER_ADDRESS_PER_MINUTE + 5 }, () => post(platformUrl(), payload, { from: "203.0.113.77", signature: sign(payload, WRONG_SECRET, seconds(now)) })),
      );
      expect(past.filter((a) => a.status === 429)).toHaveLength(5);
      const after = await rows(victim);
      expect(after.length).toBeLessThanOrEqual(3);
      expect(after.reduce((sum: number, d: { count: number }) => sum + d.count, 0)).toBe(300 - 30 + REJECTED_PER_ADDRESS_PER_MINUTE);
    });

    it("shows the unverified badge and the message in the Webhooks tab", async () => {
      const now = await atNextMinute();
      const payload = JSON.stringify(payment(victim.accountId));
      expect((await post(platformUrl(), payload, { signature: sign(payload, WRONG_SECRET, seconds(now)) })).status).toBe(401);
      const tab = await page(server, "/dashboard/webhooks", victim.cookie);
      expect(tab.status).toBe(200);
      expect(tab.html).toContain(`<span class="badge red">rejected</span> <span class="badge amber">unverified</span>`);
      expect(tab.html).toContain("The Stripe-Signature did not verify");
      expect(tab.html).toContain("press Repair Webhooks in Settings › Integrations.");
      expect(tab.html).toContain(victim.accountId);
      const other = await page(server, "/dashboard/webhooks", bystander.cookie);
      expect(other.html).not.toContain("unverified");
    });

    it("logs a warn line per rejection without the body, the signature or a secret", async () => {
      const now = await atNextMinute();
      const wrong = JSON.stringify(payment(victim.accountId));
      const wrongSignature = sign(wrong, WRONG_SECRET, seconds(now));
      const old = JSON.stringify(payment(victim.accountId, { api_version: "2022-11-15" }));
      const unknown = JSON.stringify(payment("acct_nobodyatall"));
      const route = JSON.stringify(payment(bystander.accountId));
      const sent = [
        await post(platformUrl(), wrong, { signature: wrongSignature }),
        await post(platformUrl(), old, { signature: sign(old, PLATFORM_SECRET, seconds(now)) }),
        await post(platformUrl(), unknown, { signature: sign(unknown, WRONG_SECRET, seconds(now)) }),
        await post(platformUrl(), wrong),
        await post(`${server.url}/webhooks/stripe/acct_noendpointhere`, route, { signature: sign(route, WRONG_SECRET, seconds(now)) }),
      ];
      expect(sent.map((s) => s.status)).toEqual([401, 400, 401, 401, 401]);

      const warned = warnings();
      expect(warned).toHaveLength(sent.length);
      expect(warned.every((l) => l.level === 40)).toBe(true);
      expect(warned.map((l) => [l.reason, l.status])).toEqual([
        ["signature", 401],
        ["unsupported_api_version", 400],
        ["signature", 401],
        ["unsigned", 401],
        ["no_endpoint", 401],
      ]);
      expect(warned[0]).toMatchObject({ endpoint: "platform", accountId: victim.accountId, verified: false, workspaceIds: [victim.workspaceId] });
      expect(warned[2]).toMatchObject({ accountId: "acct_nobodyatall", workspaceIds: [] });
      const text = JSON.stringify(lines);
      for (const secret of [BODY_MARKER, PLATFORM_SECRET, WRONG_SECRET, ICODRIP_SECRET, wrongSignature.split(",")[1]]) expect(text).not.toContain(secret);
      expect(JSON.stringify(warned)).not.toContain('"data"');
    });

    it("on an account's own endpoint keeps the rejection in that account's workspace only, whatever the body names", async () => {
      const now = await atNextMinute();
      // The victim's account gets an endpoint of its own; the body names the bystander's account.
      const connection = (await server.store.connectionByAccount(victim.accountId, false))!;
      await server.store.putConnection({
        ...connection,
        webhook: { id: "we_own", url: `${server.url}/webhooks/stripe/${victim.accountId}`, enabledEvents: [], sealedSecret: seal(ICODRIP_SECRET, "webhook-secret", "whsec_victimsown") },
      });
      const payload = JSON.stringify(payment(bystander.accountId));
      const res = await post(`${server.url}/webhooks/stripe/${victim.accountId}`, payload, { signature: sign(payload, WRONG_SECRET, seconds(now)) });
      expect(res.status).toBe(401);
      const [row, ...others] = await rows(victim);
      expect(others).toEqual([]);
      expect(row).toMatchObject({ outcome: "rejected", verified: false, accountId: victim.accountId, count: 1 });
      expect(row.message).toContain("press Repair Webhooks in Settings › Integrations.");
      expect(await rows(bystander)).toEqual([]);
    });
  });
}
