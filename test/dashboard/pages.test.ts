import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/server.js";
import { storeKinds } from "../support/stores.js";
import { click, merchant, page, pay, refund, SERVER_ENV } from "./support.js";

// The dashboard's pages over HTTP, on both stores: who may see them, and that they show what
// the API and Stripe's signed webhooks put in the store, read fresh on every view.

const rows = (html: string) => html.match(/<tr data-id="cnv_[^"]+"/g)?.length ?? 0;

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`Dashboard pages on the ${kind.name} store`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(kind, SERVER_ENV);
      // Every record gets a millisecond of its own, so "newest first" has one right answer.
      let last = 0;
      server.ctx.now = () => (last = Math.max(Date.now(), last + 1));
    });
    afterAll(async () => {
      await server.stop();
    });

    it("sends a signed-out visitor to the login form, which brings them back to the same URL", async () => {
      const paths = ["/dashboard/conversions?status=pending&mode=live", "/dashboard/programs", "/dashboard/affiliates", "/dashboard/clicks", "/dashboard/webhooks?outcome=failed", "/dashboard/settings/integrations"];
      for (const path of paths) {
        const res = await page(server, path);
        expect(res.status).toBe(303);
        expect(res.location).toBe(`/login?${new URLSearchParams({ next: path })}`);
        const forged = await page(server, path, "icodrip_session=mem_x.ws_y.1700000000000.forged");
        expect(forged.status).toBe(303);
      }
      const m = await merchant(server);
      const form = new URLSearchParams({ email: m.email, password: "correct horse battery", next: "/dashboard/webhooks?outcome=failed" });
      const signIn = await fetch(`${server.url}/session`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString(), redirect: "manual" });
      expect(signIn.headers.get("location")).toBe("/dashboard/webhooks?outcome=failed");

      expect(await page(server, "/dashboard", m.cookie)).toMatchObject({ status: 303, location: "/dashboard/overview" });
    });

    it("shows every tab with the same navigation, the current one marked, its one script loaded from the server, none inline", async () => {
      const m = await merchant(server, { workspace: "Nav Shop" });
      const tabs = { conversions: "Conversions", programs: "Programs", affiliates: "Affiliates", clicks: "Clicks", webhooks: "Webhooks", "settings/integrations": "Settings › Integrations", "settings/account": "Settings › Account" };
      for (const path of Object.keys(tabs)) {
        const res = await page(server, `/dashboard/${path}`, m.cookie);
        expect(res.status).toBe(200);
        for (const [other, otherLabel] of Object.entries(tabs)) expect(res.html).toContain(`<a href="/dashboard/${other}"${other === path ? ' aria-current="page"' : ""}>${otherLabel}</a>`);
        expect(res.html).toContain("Nav Shop");
        expect(res.html).toContain('id="sign-out"');
        expect(res.csp).toContain("script-src 'self';");
        expect(res.html.match(/<script/g)).toHaveLength(1);
        expect(res.html).toMatch(/<script type="module" src="\/dashboard\/assets\/[a-z]+\.js"><\/script><\/body>/);
      }
    });

    it("lists the conversions Stripe reported, newest first, with amounts in each currency's decimals, and filters them", async () => {
      const m = await merchant(server);
      const clickId = await click(server, m);
      expect((await pay(server, m, { amount: 12_345, clickId, paymentIntent: `pi_dash_${Date.now()}` })).outcome).toBe("processed");
      const before = await page(server, "/dashboard/conversions", m.cookie);
      expect(rows(before.html)).toBe(1);

      // Read on each view: a payment reported after the first view is on the next one.
      await pay(server, m, { amount: 500_000, currency: "jpy", email: "nobody@example.com" });
      await pay(server, m, { amount: 1_234, currency: "kwd", clickId, livemode: true });
      const all = (await page(server, "/dashboard/conversions", m.cookie)).html;
      expect(rows(all)).toBe(3);
      const table = all.slice(all.indexOf('id="conversions"'));
      expect(table.indexOf("KWD\u00a01.234")).toBeLessThan(table.indexOf("¥500,000"));
      expect(table.indexOf("¥500,000")).toBeLessThan(table.indexOf("$123.45"));
      expect(all).toContain("$37.04"); // 30% commission
      expect(all).toContain(m.affiliate.name);
      expect(all).toContain(m.affiliate.code);
      expect(all).toContain("checkout reference");
      expect(all).toContain('<span class="badge">unattributed</span>');
      expect(all).toContain('<span class="badge blue">pending</span>');
      expect(all).toContain("the email nobody@example.com matched no lead or click");
      expect(all.match(/<form class="attribute"/g)).toHaveLength(1);
      expect(all).toContain(`<option value="${m.affiliate.id}">`);

      const unattributed = (await page(server, "/dashboard/conversions?status=unattributed", m.cookie)).html;
      expect(rows(unattributed)).toBe(1);
      expect(unattributed).toContain("¥500,000");
      expect(unattributed).toContain('<option value="unattributed" selected>');
      const live = (await page(server, "/dashboard/conversions?mode=live", m.cookie)).html;
      expect(rows(live)).toBe(1);
      expect(live).toContain("KWD\u00a01.234");
      const test = (await page(server, "/dashboard/conversions?mode=test", m.cookie)).html;
      expect(rows(test)).toBe(2);
      const ofProgram = (await page(server, `/dashboard/conversions?programId=${m.program.id}`, m.cookie)).html;
      expect(rows(ofProgram)).toBe(2); // the unattributed payment belongs to no program
      // A filter value the page does not offer shows everything and is not echoed back.
      const odd = (await page(server, "/dashboard/conversions?status=%3Cscript%3Ex&mode=sometimes&cursor=nonsense", m.cookie));
      expect(odd.status).toBe(200);
      expect(rows(odd.html)).toBe(3);
      expect(odd.html).not.toContain("<script>x");
      expect(odd.html).not.toContain("nonsense");
    });

    it("shows refunded amounts and pages through older conversions with the filters kept", async () => {
      const m = await merchant(server);
      const clickId = await click(server, m);
      const paymentIntent = `pi_refund_${Date.now()}`;
      await pay(server, m, { amount: 10_000, clickId, paymentIntent });
      await refund(server, m, { amount: 10_000, refunded: 2_500, paymentIntent });
      const refunded = (await page(server, "/dashboard/conversions", m.cookie)).html;
      expect(refunded).toContain("$25.00"); // refunded
      expect(refunded).toContain("$22.50"); // 30% of what was kept

      for (let i = 0; i < 50; i++) await pay(server, m, { amount: 100 + i, clickId });
      const first = (await page(server, "/dashboard/conversions?mode=test", m.cookie)).html;
      expect(rows(first)).toBe(50);
      const older = /<a href="([^"]+)" rel="next">Older »<\/a>/.exec(first)?.[1].replaceAll("&amp;", "&");
      expect(older).toMatch(/^\/dashboard\/conversions\?livemode=false&cursor=/);
      const second = (await page(server, older!, m.cookie)).html;
      expect(rows(second)).toBe(1);
      expect(second).toContain("$100.00");
      expect(second).toContain('<a href="/dashboard/conversions?livemode=false">« Newest</a>');
      expect(second).not.toContain("Older »");
    });

    it("lists programs, affiliates and their links, clicks, and the webhook log with its outcomes", async () => {
      const m = await merchant(server);
      const link = await server.api("POST", "/api/v1/links", { key: m.key, body: { affiliateId: m.affiliate.id, path: "/pricing" } });
      const clickId = await click(server, m, { url: "https://shop.example.com/pricing?via=ann", referrer: "https://blog.example.org/post" });
      const processed = await pay(server, m, { clickId });
      const unattributed = await pay(server, m, { email: "stranger@example.com" });

      // The Programs tab: the terms, what to paste into the site and its server, the create form.
      const programs = (await page(server, "/dashboard/programs", m.cookie)).html;
      expect(programs).toContain(m.program.name);
      expect(programs).toContain(`data-program=&quot;${m.program.key}&quot;`);
      expect(programs).toContain(`${server.url}/snippet.js`);
      expect(programs).toContain("import { referral, wrapStripe } from &quot;icodrip/middleware&quot;");
      expect(programs).toContain("30% commission on the first payment");
      expect(programs).toContain('data-create="programs"');
      expect(programs).toContain(`data-edit="programs" data-id="${m.program.id}"`);
      // join is invite: no join link to hand out.
      expect(programs).not.toContain(`/join/${m.program.key}`);

      const affiliates = (await page(server, "/dashboard/affiliates", m.cookie)).html;
      expect(affiliates).toContain(m.program.name);
      expect(affiliates).not.toContain('data-create="programs"');
      expect(affiliates).toContain(`<a href="/dashboard/affiliates/${m.affiliate.id}">${m.affiliate.name}</a>`);
      expect(affiliates).toContain(`<code>${m.affiliate.code}</code>`);
      expect(affiliates).toContain(`<code class="url">${link.body.url}</code>`);
      expect(affiliates).toContain(`data-copy="${link.body.url}"`);
      expect(affiliates).toContain("30% commission on the first payment");
      for (const kind of ["affiliates", "links"]) expect(affiliates).toContain(`data-create="${kind}"`);
      expect(affiliates).toContain(`<option value="${m.program.id}">`);

      const clicks = (await page(server, "/dashboard/clicks", m.cookie)).html;
      expect(clicks).toContain("https://shop.example.com/pricing?via=ann");
      expect(clicks).toContain("https://blog.example.org/post");
      expect(clicks).toContain(m.affiliate.code);
      expect(clicks).not.toContain(clickId); // an id a merchant has no use for; the API has it

      const log = (await page(server, "/dashboard/webhooks", m.cookie)).html;
      expect(log).toContain(processed.eventId);
      expect(log).toContain(unattributed.eventId);
      expect(log).toContain("<code>checkout.session.completed</code>");
      expect(log).toContain(`<code>${m.accountId}</code>`);
      expect(log).toContain('<span class="badge green">processed</span>');
      expect(log).toContain('<span class="badge amber">unattributed</span>');
      expect(log).toContain("2026-10-28.endive");
      expect(log.indexOf(unattributed.eventId)).toBeLessThan(log.indexOf(processed.eventId));
      const onlyUnattributed = (await page(server, "/dashboard/webhooks?outcome=unattributed", m.cookie)).html;
      expect(onlyUnattributed).toContain(unattributed.eventId);
      expect(onlyUnattributed).not.toContain(processed.eventId);
      expect(onlyUnattributed).toContain('<option value="unattributed" selected>');
    });

    it("shows each affiliate's status, last sign-in and payout method type, never its details, with the buttons its status allows", async () => {
      const m = await merchant(server, { affiliateName: "Pay Pal User" });
      const signedInAt = Date.parse("2026-11-20T08:30:00Z");
      await server.store.updateAffiliate(m.workspaceId, m.affiliate.id, { lastSignInAt: signedInAt, payoutMethod: { type: "paypal", email: "secret-payout@example.com" } });
      await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { join: "approval" } });
      expect((await server.api("POST", "/portal/api/join", { body: { program: m.program.key, name: "New Applicant", email: "applicant@example.com" } })).status).toBe(201);
      const html = (await page(server, "/dashboard/affiliates", m.cookie)).html;
      const rowOf = (name: string) => html.slice(html.indexOf(`>${name}</a>`), html.indexOf("</tr>", html.indexOf(`>${name}</a>`)));
      const paid = rowOf("Pay Pal User");
      expect(paid).toContain('<time datetime="2026-11-20T08:30:00.000Z" title="2026-11-20 08:30 UTC">2026-11-20 08:30 UTC</time>');
      expect(paid).toContain("PayPal");
      expect(html).not.toContain("secret-payout@example.com");
      expect(paid).toContain('<span class="badge green">active</span>');
      expect(paid).toContain(`aria-label="Disable Pay Pal User"`);
      expect(paid).not.toContain("Approve");
      const pending = rowOf("New Applicant");
      expect(pending).toContain('<span class="badge amber">pending</span>');
      expect(pending).toContain("never");
      expect(pending).toContain("not set");
      expect(pending).toContain('data-action="status" data-kind="affiliates"');
      expect(pending).toContain(`aria-label="Approve New Applicant"`);
      expect(pending).toContain(`aria-label="Reject New Applicant"`);
      expect(pending).toContain("Reject disables the application");
    });

    it("shows another workspace's member none of it", async () => {
      const owner = await merchant(server, { affiliateName: "Owner's Affiliate" });
      const clickId = await click(server, owner, { url: "https://shop.example.com/owner-only-landing" });
      const paid = await pay(server, owner, { amount: 77_777, clickId });
      const other = await merchant(server, { workspace: "Other Shop" });

      const pages = await Promise.all(
        ["conversions", "programs", "affiliates", "clicks", "webhooks"].map(async (tab) => (await page(server, `/dashboard/${tab}`, other.cookie)).html),
      );
      for (const html of pages) {
        for (const secret of [owner.affiliate.name.replace("'", "&#39;"), owner.affiliate.code, owner.program.name, owner.program.key, "$777.77", "owner-only-landing", paid.eventId, owner.accountId]) {
          expect(html).not.toContain(secret);
        }
      }
      expect(pages[0]).toContain("No conversions yet");
      // Asking for the owner's program by id shows nothing either.
      const probe = (await page(server, `/dashboard/conversions?programId=${owner.program.id}`, other.cookie)).html;
      expect(rows(probe)).toBe(0);
    });

    it("escapes a hostile workspace and affiliate name, landing page, referrer and customer email everywhere they appear", async () => {
      const hostile = `<img src=x onerror="alert(1)">&'`;
      const escaped = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;";
      const m = await merchant(server, { workspace: `<b>${hostile}</b>`, affiliateName: hostile });
      const clickId = await click(server, m, { url: `https://shop.example.com/?q=<script>alert(2)</script>`, referrer: `"><svg onload=alert(3)>` });
      await pay(server, m, { clickId });
      await pay(server, m, { email: `<script>alert(4)</script>` });

      for (const tab of ["conversions", "programs", "affiliates", "clicks", "webhooks", "settings/integrations"]) {
        const html = (await page(server, `/dashboard/${tab}`, m.cookie)).html;
        expect(html).not.toContain("<img src=x");
        expect(html).not.toContain("<svg");
        expect(html).not.toContain("<script>alert");
        expect(html.match(/<script/g)).toHaveLength(1);
        expect(html).toContain(`&lt;b&gt;${escaped}&lt;/b&gt;`); // the workspace name in the header
        if (tab === "conversions" || tab === "affiliates" || tab === "clicks") expect(html).toContain(escaped);
      }
      const clicks = (await page(server, "/dashboard/clicks", m.cookie)).html;
      expect(clicks).toContain("?q=&lt;script&gt;alert(2)&lt;/script&gt;");
      expect(clicks).toContain("&quot;&gt;&lt;svg onload=alert(3)&gt;");
      const conversions = (await page(server, "/dashboard/conversions", m.cookie)).html;
      expect(conversions).toContain(`<option value="${m.affiliate.id}">${escaped} (${m.affiliate.code})</option>`);
    });
  });
}
