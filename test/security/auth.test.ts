import { sign } from "cookie-signature";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { decoyHash, HashGate, HashingBusy, hashParameters, hashPassword, passwordHashing } from "../../server/domain/password.js";
import { startTestServer, captureLog, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";

// Issue 7, items 3, 6 and 7 (signup part), replayed as an attacker or a careless user would:
// a login flood from one address, a signup flood, a copied cookie after sign-out, a stolen
// session after a password change, API keys that must die when deleted, and signup as a way to
// learn which emails have accounts.

const SECRET = "test-secret-test-secret-test-secret-0123";
const PASSWORD = "correct horse battery";
const LOGIN_LIMIT = 5;
const SIGNUP_LIMIT = 3;

let n = 0;
const unique = () => `${Date.now().toString(36)}${(n++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let hosts = 0;
/** A client address never used before, as X-Forwarded-For with TRUST_PROXY=true makes it req.ip. */
const address = () => {
  hosts++;
  return `10.${(hosts >> 16) & 255}.${(hosts >> 8) & 255}.${hosts & 255}`;
};

describe("password hashing cost", () => {
  it("the decoy hash an unknown email is checked against has exactly hashPassword's parameters", async () => {
    expect(hashParameters(await decoyHash())).toEqual(hashParameters(await hashPassword("any password at all")));
    expect(hashParameters(await decoyHash())).toMatchObject({ scheme: "scrypt", N: 2 ** 15, r: 8, p: 1, saltBytes: 16, keyBytes: 32 });
  });

  it("runs at most `concurrency` hashes at once, queues a bounded number and refuses the rest at once", async () => {
    const gate = new HashGate(1, 1);
    const releases: (() => void)[] = [];
    const work = () => new Promise<string>((resolve) => releases.push(() => resolve("done")));
    const first = gate.run(work);
    const second = gate.run(work);
    await expect(gate.run(work)).rejects.toBeInstanceOf(HashingBusy);
    expect(gate.queued).toBe(1);
    await Promise.resolve();
    expect(releases).toHaveLength(1); // the second waits for the first
    releases[0]();
    expect(await first).toBe("done");
    await new Promise((resolve) => setImmediate(resolve));
    expect(releases).toHaveLength(2);
    releases[1]();
    expect(await second).toBe("done");
    expect(gate.started).toBe(2);
  });
});

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Authentication under attack on the ${kind.name} store`, () => {
    let server: TestServer;
    let lines: Record<string, any>[] = [];
    beforeAll(async () => {
      server = await startTestServer(kind, {
        ICODRIP_SECRET: SECRET,
        TRUST_PROXY: "true",
        ICODRIP_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT),
        ICODRIP_SIGNUP_RATE_LIMIT: String(SIGNUP_LIMIT),
      });
      lines = captureLog(server);
    });
    afterAll(async () => {
      await server.stop();
    });
    // Each test runs at a frozen instant in the middle of an hour of its own, so no rate window
    // can turn over while it floods, and no test inherits another's counters.
    let hour = Math.floor(Date.now() / 3_600_000);
    beforeEach(() => {
      hour += 2;
      const frozen = hour * 3_600_000 + 1_800_000;
      server.ctx.now = () => frozen;
    });

    const from = (ip: string, extra: Record<string, string> = {}) => ({ "x-forwarded-for": ip, origin: server.url, ...extra });

    async function account(): Promise<{ email: string; key: string; workspaceId: string }> {
      const email = `owner-${unique()}@example.com`;
      const res = await server.api("POST", "/api/v1/signup", { body: { email, password: PASSWORD, workspace: "Shop" }, headers: from(address()) });
      expect(res.status).toBe(201);
      return { email, key: res.body.apiKey, workspaceId: res.body.workspace.id };
    }

    const login = (email: string, password: string, ip = address()) => server.api("POST", "/session", { body: { email, password }, headers: from(ip) });

    async function signIn(email: string, password = PASSWORD): Promise<string> {
      const res = await login(email, password);
      expect(res.status).toBe(201);
      return res.headers.getSetCookie().find((l) => l.startsWith("icodrip_session="))!.split(";")[0];
    }

    const asMember = (cookie: string, extra: Record<string, string> = {}) => ({ cookie, origin: server.url, ...extra });

    describe("item 3: sign-in and signup cost", () => {
      it("refuses a flood of bad logins from one address after the limit without hashing, never locking the owner out elsewhere", async () => {
        const { email } = await account();
        const attacker = address();
        for (let i = 0; i < LOGIN_LIMIT; i++) expect((await login(email, `guess ${i}`, attacker)).status).toBe(401);

        const hashedBefore = passwordHashing.started;
        for (let i = 0; i < 20; i++) {
          const res = await login(i % 2 ? email : `random-${unique()}@example.com`, `guess ${i}`, attacker);
          expect(res.status).toBe(429);
          expect(res.body.error.code).toBe("rate_limited");
          expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        }
        expect(passwordHashing.started).toBe(hashedBefore);

        // The right password from another address signs in at once.
        expect((await login(email, PASSWORD, address())).status).toBe(201);
        // From the flooding address it waits for the window, then works.
        expect((await login(email, PASSWORD, attacker)).status).toBe(429);
        const now = server.ctx.now;
        server.ctx.now = () => now() + 61_000;
        try {
          expect((await login(email, PASSWORD, attacker)).status).toBe(201);
        } finally {
          server.ctx.now = now;
        }
      });

      it("limits one address's attempts on one email even while it stays under its own limit", async () => {
        const { email } = await account();
        const attacker = address();
        for (let i = 0; i < LOGIN_LIMIT; i++) await login(email, `guess ${i}`, attacker);
        expect((await login(email, PASSWORD, attacker)).status).toBe(429);
        expect((await login(email, PASSWORD, address())).status).toBe(201);
      });

      it("limits a signup flood from one address before hashing, and not other addresses", async () => {
        const flooder = address();
        const signupFrom = (ip: string) =>
          server.api("POST", "/api/v1/signup", { body: { email: `flood-${unique()}@example.com`, password: PASSWORD, workspace: "Spam" }, headers: from(ip) });
        for (let i = 0; i < SIGNUP_LIMIT; i++) expect((await signupFrom(flooder)).status).toBe(201);
        const hashedBefore = passwordHashing.started;
        for (let i = 0; i < 10; i++) {
          const res = await signupFrom(flooder);
          expect(res.status).toBe(429);
          expect(res.body.error.code).toBe("rate_limited");
          expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
        }
        expect(passwordHashing.started).toBe(hashedBefore);
        expect((await signupFrom(address())).status).toBe(201);
      });

      it("does the same work for an unknown email as for a known one with a wrong password", async () => {
        const { email } = await account();
        const backend = server.store.backend;
        const get = backend.get.bind(backend);
        let reads = 0;
        backend.get = (key) => {
          reads++;
          return get(key);
        };
        const measure = async (who: string) => {
          reads = 0;
          const hashed = passwordHashing.started;
          const res = await login(who, "not the password");
          return { status: res.status, body: res.body, reads, hashes: passwordHashing.started - hashed };
        };
        try {
          const known = await measure(email);
          const unknown = await measure(`nobody-${unique()}@example.com`);
          expect(unknown).toEqual(known);
          expect(known).toMatchObject({ status: 401, hashes: 1 });
        } finally {
          backend.get = get;
        }
      });
    });

    describe("item 6: sessions end, keys are managed, passwords change", () => {
      it("signing out ends the session on the server: a copy of the cookie opens nothing afterwards", async () => {
        const { email } = await account();
        const cookie = await signIn(email);
        expect((await server.api("GET", "/api/v1/api-keys", { headers: asMember(cookie) })).status).toBe(200);
        expect((await server.api("DELETE", "/session", { headers: asMember(cookie) })).status).toBe(204);
        expect((await server.api("GET", "/api/v1/api-keys", { headers: asMember(cookie) })).status).toBe(401);
        const page = await server.api("GET", "/dashboard/settings/account", { headers: { cookie } });
        expect(page.status).toBe(303);
        expect(page.headers.get("location")).toMatch(/^\/login/);
      });

      it("refuses a stateless cookie of the old shape, however well signed", async () => {
        const { email, workspaceId } = await account();
        const signedIn = await server.api("POST", "/session", { body: { email, password: PASSWORD }, headers: from(address()) });
        const memberId = signedIn.body.member.id;
        const old = `icodrip_session=${encodeURIComponent(sign(`${memberId}.${workspaceId}.${server.ctx.now()}`, SECRET))}`;
        expect((await server.api("GET", "/api/v1/integrations/stripe", { headers: asMember(old) })).status).toBe(401);
        const page = await server.api("GET", "/dashboard/settings/integrations", { headers: { cookie: old } });
        expect(page.status).toBe(303);
      });

      it("a password change ends every other session, keeps this one, and only the new password signs in", async () => {
        const { email, key } = await account();
        const here = await signIn(email);
        const stolen = await signIn(email);
        const newPassword = "a much better passphrase";

        const wrong = await server.api("POST", "/api/v1/password", { body: { currentPassword: "not it", newPassword }, headers: asMember(here) });
        expect(wrong.status).toBe(400);
        expect(wrong.body.error.fields).toHaveProperty("currentPassword");
        const byKey = await server.api("POST", "/api/v1/password", { key, body: { currentPassword: PASSWORD, newPassword } });
        expect(byKey.status).toBe(403);
        expect(byKey.body.error.code).toBe("session_required");
        const crossSite = await server.api("POST", "/api/v1/password", { body: { currentPassword: PASSWORD, newPassword }, headers: asMember(here, { origin: "https://evil.example" }) });
        expect(crossSite.status).toBe(403);

        const changed = await server.api("POST", "/api/v1/password", { body: { currentPassword: PASSWORD, newPassword }, headers: asMember(here) });
        expect(changed.status).toBe(204);
        const renewed = changed.headers.getSetCookie().find((l) => l.startsWith("icodrip_session="))!.split(";")[0];
        expect((await server.api("GET", "/api/v1/api-keys", { headers: asMember(renewed) })).status).toBe(200);
        expect((await server.api("GET", "/api/v1/api-keys", { headers: asMember(stolen) })).status).toBe(401);
        expect((await server.api("GET", "/api/v1/api-keys", { headers: asMember(here) })).status).toBe(401);
        expect((await login(email, PASSWORD)).status).toBe(401);
        expect((await login(email, newPassword)).status).toBe(201);
        expect(JSON.stringify(lines)).not.toContain(newPassword);
      });

      it("signs out everywhere: every session of the member ends, this one too", async () => {
        const { email } = await account();
        const one = await signIn(email);
        const two = await signIn(email);
        expect((await server.api("DELETE", "/api/v1/sessions", { headers: asMember(one) })).status).toBe(204);
        for (const cookie of [one, two]) expect((await server.api("GET", "/api/v1/api-keys", { headers: asMember(cookie) })).status).toBe(401);
        expect((await login(email, PASSWORD)).status).toBe(201);
      });

      it("lists, creates and deletes API keys; a deleted key answers 401 from then on", async () => {
        const { email, key } = await account();
        const listed = await server.api("GET", "/api/v1/api-keys", { key });
        expect(listed.status).toBe(200);
        expect(listed.body.data).toHaveLength(1);
        expect(listed.body.data[0]).toEqual({ id: expect.stringMatching(/^key_/), prefix: key.slice(0, 7), createdAt: expect.any(String) });
        expect(JSON.stringify(listed.body)).not.toContain(key);

        const created = await server.api("POST", "/api/v1/api-keys", { key });
        expect(created.status).toBe(201);
        expect(Object.keys(created.body).sort()).toEqual(["apiKey", "id"]);
        const second = created.body.apiKey as string;
        expect((await server.api("GET", "/api/v1/programs", { key: second })).status).toBe(200);
        expect((await server.api("GET", "/api/v1/api-keys", { key: second })).body.data.map((k: { id: string }) => k.id)).toContain(created.body.id);

        expect((await server.api("DELETE", `/api/v1/api-keys/${created.body.id}`, { key })).status).toBe(204);
        expect((await server.api("GET", "/api/v1/programs", { key: second })).status).toBe(401);
        expect((await server.api("DELETE", `/api/v1/api-keys/${created.body.id}`, { key })).status).toBe(404);
        expect((await server.api("GET", "/api/v1/programs", { key })).status).toBe(200);

        // Another workspace cannot see or delete this one's keys.
        const other = await account();
        expect((await server.api("DELETE", `/api/v1/api-keys/${listed.body.data[0].id}`, { key: other.key })).status).toBe(404);
        expect((await server.api("GET", "/api/v1/api-keys", { key: other.key })).body.data).toHaveLength(1);

        // The dashboard's session may manage keys too, only from Icodrip's origin; deleting the
        // last key is allowed, since the signed-in member can always make a new one.
        const cookie = await signIn(email);
        const accountPage = await (await fetch(`${server.url}/dashboard/settings/account`, { headers: { cookie } })).text();
        expect(accountPage).toContain(`data-delete-key="${listed.body.data[0].id}"`);
        expect(accountPage).toContain(`<code>${key.slice(0, 7)}…</code>`);
        expect(accountPage).not.toContain(key);
        expect(accountPage).toContain('id="password"');
        expect(accountPage).toContain('id="sign-out-everywhere"');
        const crossSite = await server.api("DELETE", `/api/v1/api-keys/${listed.body.data[0].id}`, { headers: asMember(cookie, { origin: "https://evil.example" }) });
        expect(crossSite.status).toBe(403);
        expect((await server.api("DELETE", `/api/v1/api-keys/${listed.body.data[0].id}`, { headers: asMember(cookie) })).status).toBe(204);
        expect((await server.api("GET", "/api/v1/programs", { key })).status).toBe(401);
        const fresh = await server.api("POST", "/api/v1/api-keys", { headers: asMember(cookie) });
        expect(fresh.status).toBe(201);
        expect((await server.api("GET", "/api/v1/programs", { key: fresh.body.apiKey })).status).toBe(200);
      });
    });

    describe("item 7: signup does not tell which emails have accounts", () => {
      it("answers a signup to an existing email as for a new one, with a key that opens nothing, and logs a warning", async () => {
        const { email, workspaceId } = await account();
        const fresh = await server.api("POST", "/api/v1/signup", { body: { email: `new-${unique()}@example.com`, password: "another passphrase", workspace: "Shop" }, headers: from(address()) });
        const taken = await server.api("POST", "/api/v1/signup", { body: { email: email.toUpperCase(), password: "another passphrase", workspace: "Shop" }, headers: from(address()) });
        expect(taken.status).toBe(fresh.status);
        expect(taken.status).toBe(201);
        expect(Object.keys(taken.body).sort()).toEqual(Object.keys(fresh.body).sort());
        expect(taken.body).toEqual({ workspace: { id: expect.stringMatching(/^ws_/), name: "Shop" }, apiKey: expect.stringMatching(/^ik_/) });
        expect(taken.body.workspace.id).not.toBe(workspaceId);

        expect((await server.api("GET", "/api/v1/programs", { key: taken.body.apiKey })).status).toBe(401);
        expect((await login(email, "another passphrase")).status).toBe(401);
        expect((await login(email, PASSWORD)).status).toBe(201);

        const warning = lines.find((l) => l.level === 40 && l.workspaceId === workspaceId);
        expect(warning?.msg).toMatch(/existing member/);
        expect(JSON.stringify(lines)).not.toContain("another passphrase");
      });
    });
  });
}
