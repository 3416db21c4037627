import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { merchant, PLATFORM_SECRET, SECRET, type Setup } from "../support/merchant.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { linkIn, startSmtp, type LocalSmtp } from "../support/smtp.js";
import { checkoutSession, deliver, event } from "../support/stripe-events.js";
import { storeKinds } from "../support/stores.js";

// The affiliates' side over HTTP on both stores, with mail through a real local SMTP server:
// joining, password-less sign-in, what a signed-in affiliate sees, and that one affiliate's
// session opens nothing of another's, nor of the merchant's, and the merchant's nothing of theirs.

const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`the affiliates' portal on the ${kind.name} store`, () => {
    let server: TestServer;
    let smtp: LocalSmtp;
    let n = 0;
    const unique = (name: string) => `${name}-${kind.name}-${Date.now().toString(36)}-${n++}@example.com`;

    beforeAll(async () => {
      smtp = await startSmtp();
      server = await startTestServer(kind, { STRIPE_WEBHOOK_SECRET: PLATFORM_SECRET, ICODRIP_SECRET: SECRET, SMTP_URL: smtp.url, MAIL_FROM: "Acme Partners <partners@acme.example>" });
    });
    afterAll(async () => {
      await server.stop();
      await smtp.stop();
    });

    /** A merchant whose program takes affiliates by `join`. */
    async function shop(join: "open" | "approval" | "invite"): Promise<Setup> {
      const m = await merchant(server, `acct_portal${kind.name}${Date.now().toString(36)}${n++}`);
      const patched = await server.api("PATCH", `/api/v1/programs/${m.programId}`, { key: m.key, body: { join } });
      expect(patched.body.join).toBe(join);
      return m;
    }

    /** Follows a mailed link as a browser would: the page, then its button; answers the portal cookie. */
    async function signIn(link: string): Promise<string> {
      const path = new URL(link).pathname;
      const page = await server.api("GET", path);
      expect(page.status).toBe(200);
      expect(String(page.body)).toContain('action="/portal/auth"');
      const token = path.split("/").pop() ?? "";
      const used = await server.api("POST", "/portal/auth", form({ token }));
      expect(used.status).toBe(303);
      expect(used.headers.get("location")).toBe("/portal");
      const cookie = used.headers.get("set-cookie") ?? "";
      expect(cookie).toMatch(/^icodrip_portal=/);
      expect(cookie).toMatch(/Path=\/portal/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      return cookie.split(";")[0];
    }

    async function join(m: Setup, name: string, email: string) {
      return server.api("POST", "/portal/api/join", { body: { program: m.programKey, name, email } });
    }

    it("lets anyone join an open program, mails a link that signs them in once, and shows their link, clicks, conversions and earnings", async () => {
      const m = await shop("open");
      const email = unique("jo");
      const joined = await join(m, "Jo Ray", email);
      expect(joined).toMatchObject({ status: 201, body: { status: "active" } });
      const mail = await smtp.next(email);
      expect(mail.from).toContain("partners@acme.example");
      const link = linkIn(mail);
      const cookie = await signIn(link);
      // The same link a second time: a clear refusal page, no session.
      const again = await server.api("POST", "/portal/auth", form({ token: new URL(link).pathname.split("/").pop() ?? "" }));
      expect(again.status).toBe(410);
      expect(String(again.body)).toContain("used already");
      expect(again.headers.get("set-cookie")).toBeNull();

      const me = await server.api("GET", "/portal/api/me", { headers: { cookie } });
      expect(me).toMatchObject({ status: 200, body: { affiliate: { name: "Jo Ray", email, status: "active" }, program: { name: "Main", url: "https://shop.example.com", commission: { type: "percent", percent: 30 }, cookieDays: 60 } } });
      const links = await server.api("GET", "/portal/api/links", { headers: { cookie } });
      expect(links.body.data).toHaveLength(1);
      const code = links.body.data[0].code as string;

      // A visitor follows the link and buys.
      const visit = await fetch(`${server.url}/r/${code}`, { redirect: "manual", headers: { "user-agent": `visitor-${n++}` } });
      expect(visit.status).toBe(302);
      const clickId = new URL(visit.headers.get("location") ?? "").searchParams.get("icd");
      const session = checkoutSession({ amount: 10_000, clientReferenceId: clickId, email: "Jane.Doe@Example.com" });
      expect((await deliver(`${server.url}/webhooks/stripe`, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("processed");

      const summary = await server.api("GET", "/portal/api/summary", { headers: { cookie } });
      expect(summary.body).toEqual({ clicks: 1, conversions: 1, earnings: [{ currency: "usd", pending: 3_000, due: 0, paid: 0 }] });
      const conversions = await server.api("GET", "/portal/api/conversions", { headers: { cookie } });
      expect(conversions.body.data).toEqual([expect.objectContaining({ amount: 10_000, currency: "usd", commission: { amount: 3_000, currency: "usd" }, status: "pending", customerEmail: "j***@example.com" })]);
      const page = await server.api("GET", "/portal", { headers: { cookie } });
      expect(String(page.body)).toContain("j***@example.com");
      expect(String(page.body)).not.toContain("jane.doe@example.com");
      expect((await server.api("GET", "/portal/api/payouts", { headers: { cookie } })).body).toEqual({ data: [], nextCursor: null });

      // Another page of the site, and a payout method.
      const origin = { origin: server.url };
      const added = await server.api("POST", "/portal/api/links", { headers: { cookie, ...origin }, body: { path: "/pricing" } });
      expect(added).toMatchObject({ status: 201, body: { path: "/pricing" } });
      expect((await server.api("PUT", "/portal/api/payout-method", { headers: { cookie, ...origin }, body: { type: "paypal", email: "Jo@Pay.example" } })).body).toEqual({ payoutMethod: { type: "paypal", email: "jo@pay.example" } });
      const bad = await server.api("PUT", "/portal/api/payout-method", { headers: { cookie, ...origin }, body: { type: "bank", details: "" } });
      expect(bad).toMatchObject({ status: 400, body: { error: { code: "invalid_request" } } });
      const forged = await server.api("PUT", "/portal/api/payout-method", { headers: { cookie, origin: "https://evil.example" }, body: { type: "wise", email: "x@evil.example" } });
      expect(forged).toMatchObject({ status: 403, body: { error: { code: "cross_origin" } } });
      const merchantView = await server.api("GET", `/api/v1/affiliates/${me.body.affiliate.id}`, { key: m.key });
      expect(merchantView.body).toMatchObject({ payoutMethod: { type: "paypal", email: "jo@pay.example" }, status: "active" });
      expect(merchantView.body.lastSignInAt).toEqual(expect.any(String));

      // Signing out ends the session on the server: the copied cookie is worthless.
      expect((await server.api("POST", "/portal/api/logout", { headers: { cookie } })).status).toBe(204);
      expect((await server.api("GET", "/portal/api/me", { headers: { cookie } })).status).toBe(401);
    });

    it("keeps an approval program's applicant pending, with no links, until the merchant approves", async () => {
      const m = await shop("approval");
      const email = unique("pat");
      expect((await join(m, "Pat", email)).body).toEqual({ status: "pending" });
      const login = await server.api("POST", "/portal/api/login", { body: { email } });
      expect(login.status).toBe(202);
      const cookie = await signIn(linkIn(await smtp.next(email)));
      expect((await server.api("GET", "/portal/api/me", { headers: { cookie } })).body.affiliate.status).toBe("pending");
      expect((await server.api("GET", "/portal/api/links", { headers: { cookie } })).body).toEqual({ data: [] });
      const refused = await server.api("POST", "/portal/api/links", { headers: { cookie, origin: server.url }, body: {} });
      expect(refused).toMatchObject({ status: 403, body: { error: { code: "not_approved" } } });
      expect(String((await server.api("GET", "/portal", { headers: { cookie } })).body)).toContain("Awaiting approval");

      const pending = await server.api("GET", `/api/v1/affiliates?programId=${m.programId}&status=pending`, { key: m.key });
      expect(pending.body.data.map((a: { email: string }) => a.email)).toEqual([email]);
      const approved = await server.api("PATCH", `/api/v1/affiliates/${pending.body.data[0].id}`, { key: m.key, body: { status: "active" } });
      expect(approved.body.status).toBe("active");
      const mail = await smtp.next(email);
      expect(mail.text).toContain("approved");
      expect((await server.api("GET", "/portal/api/links", { headers: { cookie } })).body.data).toHaveLength(1);
    });

    it("refuses joining an invite-only program, a second join with one email, and quietly drops a bot that fills the hidden field", async () => {
      const closed = await shop("invite");
      expect(await join(closed, "Al", unique("al"))).toMatchObject({ status: 403, body: { error: { code: "join_closed" } } });
      expect((await server.api("GET", `/join/${closed.programKey}`)).status).toBe(403);

      const open = await shop("open");
      const email = unique("dup");
      expect((await join(open, "Dee", email)).status).toBe(201);
      const twice = await join(open, "Dee again", email.toUpperCase());
      expect(twice).toMatchObject({ status: 409, body: { error: { code: "already_joined" } } });
      expect(twice.body.error.message).toContain("/portal/login");

      const bot = await server.api("POST", "/portal/api/join", { body: { program: open.programKey, name: "Bot", email: unique("bot"), website: "http://spam.example" } });
      expect(bot).toMatchObject({ status: 201, body: { status: "active" } });
      const affiliates = await server.api("GET", `/api/v1/affiliates?programId=${open.programId}`, { key: open.key });
      expect(affiliates.body.data.map((a: { name: string }) => a.name).sort()).toEqual(["Ann", "Dee"]);

      // The join page as a browser posts it.
      const page = await server.api("POST", `/join/${open.programKey}`, form({ name: "Eve", email: unique("eve"), website: "" }));
      expect(page.status).toBe(201);
      expect(String(page.body)).toContain("sign-in link is on its way");
    });

    it("answers 202 to any email, mails only real affiliates, and a new link voids the older one; an expired or disabled one refuses", async () => {
      const m = await shop("open");
      const email = unique("lou");
      await join(m, "Lou", email);
      const first = linkIn(await smtp.next(email));
      const nobody = unique("nobody");
      expect(await server.api("POST", "/portal/api/login", { body: { email: nobody } })).toMatchObject({ status: 202 });
      expect(await server.api("POST", "/portal/api/login", { body: { email: "not an email" } })).toMatchObject({ status: 202 });
      expect((await server.api("POST", "/portal/api/login", { body: { email: email.toUpperCase() } })).status).toBe(202);
      const second = linkIn(await smtp.next(email));
      expect(smtp.received.some((mail) => mail.to.includes(nobody))).toBe(false);

      const firstToken = new URL(first).pathname.split("/").pop() ?? "";
      expect((await server.api("POST", "/portal/auth", form({ token: firstToken }))).status).toBe(410);

      // Sixteen minutes later the newer link has expired too.
      const realNow = server.ctx.now;
      server.ctx.now = () => realNow() + 16 * 60 * 1000;
      try {
        const expired = await server.api("GET", new URL(second).pathname);
        expect(expired.status).toBe(410);
        expect(String(expired.body)).toContain("expired");
      } finally {
        server.ctx.now = realNow;
      }

      // The merchant's link (7 days) for a disabled affiliate is refused; enabled again, it works.
      const [lou] = (await server.api("GET", `/api/v1/affiliates?programId=${m.programId}`, { key: m.key })).body.data.filter((a: { email: string }) => a.email === email);
      const handed = await server.api("POST", `/api/v1/affiliates/${lou.id}/portal-link`, { key: m.key });
      expect(handed.status).toBe(201);
      expect(Date.parse(handed.body.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
      await server.api("PATCH", `/api/v1/affiliates/${lou.id}`, { key: m.key, body: { status: "disabled" } });
      const disabled = await server.api("POST", "/portal/auth", form({ token: new URL(handed.body.url).pathname.split("/").pop() ?? "" }));
      expect(disabled.status).toBe(410);
      expect(String(disabled.body)).toContain("disabled");
      expect((await server.api("POST", `/api/v1/affiliates/${lou.id}/portal-link`, { key: m.key })).body.error.code).toBe("affiliate_disabled");
      await server.api("PATCH", `/api/v1/affiliates/${lou.id}`, { key: m.key, body: { status: "active" } });
      const fresh = await server.api("POST", `/api/v1/affiliates/${lou.id}/portal-link`, { key: m.key });
      await signIn(fresh.body.url);
    });

    it("never shows one affiliate another's data, and keeps the portal and the merchant's API apart", async () => {
      const m = await shop("open");
      const [a, b] = [unique("a"), unique("b")];
      await join(m, "Aya", a);
      await join(m, "Ben", b);
      const cookieA = await signIn(linkIn(await smtp.next(a)));
      const cookieB = await signIn(linkIn(await smtp.next(b)));
      const meB = (await server.api("GET", "/portal/api/me", { headers: { cookie: cookieB } })).body;
      const linksB = (await server.api("GET", "/portal/api/links", { headers: { cookie: cookieB } })).body.data;
      // B's conversion, which A must never see.
      const visit = await fetch(`${server.url}/r/${linksB[0].code}`, { redirect: "manual", headers: { "user-agent": `visitor-${n++}` } });
      const clickId = new URL(visit.headers.get("location") ?? "").searchParams.get("icd");
      // Due at once, and paid out to B: a payout A must never see either.
      await server.api("PATCH", `/api/v1/programs/${m.programId}`, { key: m.key, body: { holdDays: 0 } });
      await deliver(`${server.url}/webhooks/stripe`, event("checkout.session.completed", checkoutSession({ clientReferenceId: clickId, email: "bob@example.com" }), { account: m.accountId }), PLATFORM_SECRET);
      const [payoutB] = (await server.api("POST", "/api/v1/payouts", { key: m.key, body: {} })).body.data as { id: string; affiliateId: string }[];
      expect(payoutB.affiliateId).toBe(meB.affiliate.id);
      expect((await server.api("GET", "/portal/api/payouts", { headers: { cookie: cookieB } })).body.data.map((p: { id: string }) => p.id)).toEqual([payoutB.id]);

      const others = `?affiliateId=${meB.affiliate.id}&id=${meB.affiliate.id}&programId=${m.programId}&workspaceId=x`;
      for (const path of ["/portal/api/me", "/portal/api/links", "/portal/api/summary", "/portal/api/timeseries", "/portal/api/conversions", "/portal/api/payouts"]) {
        const seen = await server.api("GET", `${path}${others}`, { headers: { cookie: cookieA } });
        expect(seen.status, path).toBe(200);
        const text = JSON.stringify(seen.body);
        expect(text, path).not.toContain(meB.affiliate.id);
        expect(text, path).not.toContain(linksB[0].code);
        expect(text, path).not.toContain("b***@example.com");
        expect(text, path).not.toContain(payoutB.id);
      }
      expect((await server.api("GET", "/portal/api/summary", { headers: { cookie: cookieA } })).body).toMatchObject({ clicks: 0, conversions: 0 });
      const added = await server.api("POST", "/portal/api/links", { headers: { cookie: cookieA, origin: server.url }, body: { path: "/x", affiliateId: meB.affiliate.id } });
      expect(added.status).toBe(400); // an unknown field, not a way in

      // The merchant's key and session open nothing in the portal; the portal cookie nothing in the API.
      expect((await server.api("GET", "/portal/api/me", { key: m.key })).status).toBe(401);
      expect((await server.api("GET", "/api/v1/programs", { headers: { cookie: cookieA } })).status).toBe(401);
      const dashboard = await server.api("GET", "/dashboard/conversions", { headers: { cookie: cookieA } });
      expect(dashboard.status).toBe(303);
      expect(dashboard.headers.get("location")).toMatch(/^\/login/);
      for (const path of ["/portal/api/me", "/portal/api/links", "/portal/api/summary", "/portal/api/conversions", "/portal/api/payouts"]) {
        expect((await server.api("GET", path)).status, path).toBe(401);
      }
      expect((await server.api("PUT", "/portal/api/payout-method", { body: { type: "paypal", email: "x@example.com" } })).status).toBe(401);
    });
  });
}
