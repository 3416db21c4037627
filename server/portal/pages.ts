import express, { Router } from "express";
import { normalizeEmail } from "../domain/email.js";
import { maskEmail } from "../domain/email.js";
import { formatMoney } from "../domain/money-format.js";
import { conversionStatusAt } from "../domain/status.js";
import { describeTerms } from "../domain/terms.js";
import type { Affiliate, Program } from "../domain/types.js";
import { joinLimit, portalLoginLimit } from "../http/auth-limits.js";
import type { AppContext } from "../http/context.js";
import { ApiError } from "../http/errors.js";
import { html, sendPage, type Html } from "../dashboard/html.js";
import { scriptPath } from "../dashboard/assets.js";
import { formatTime } from "../dashboard/format.js";
import { barChart } from "../dashboard/chart.js";
import { DAY_MS, utcDay } from "../domain/calendar.js";
import { reportSummary, reportTimeseries } from "../reports/service.js";
import { portalPayout } from "../payouts/present.js";
import { joinBody, joinProgram } from "./join.js";
import { sendSignInLinks } from "./api.js";
import { currentAffiliate, signInWithLink, tokenHash } from "./sign-in.js";

// The affiliates' pages: joining a program (/join/<key>), asking for a sign-in link
// (/portal/login), using one (/portal/auth/<token>: a page with a button, so that a mail
// scanner that opens links does not spend it) and the portal itself (/portal). Plain forms and
// server-rendered HTML; the portal's small script (copy, add a link, payout method, sign out)
// talks to /portal/api.

const text = (v: unknown) => (typeof v === "string" ? v.slice(0, 500) : undefined);
const form = express.urlencoded({ extended: false, limit: "4kb" });

function termsList(p: Program): Html {
  const t = describeTerms(p);
  return html`<ul><li>Commission: <strong>${t.commission}</strong>, ${t.recurring}</li><li>Referrals count for ${p.cookieDays} days after a visitor's click (${t.window})</li><li>Site: <a href="${p.url}" rel="noopener">${p.url}</a></li></ul>`;
}

function joinPage(p: Program, v: { name?: string; email?: string; message?: string; done?: "active" | "pending" } = {}): Html {
  if (v.done) {
    return html`<h1>${p.name} affiliate program</h1>
      <p class="notice ok" role="status">${v.done === "active" ? "You are in. A sign-in link is on its way to your inbox; it works once, within 15 minutes." : "Thanks — your application is waiting for the merchant's approval. We will mail you a sign-in link when you are approved."}</p>
      <p>Lost the mail? <a href="/portal/login">Ask for a new sign-in link</a>.</p>`;
  }
  const closed = (p.join ?? "invite") === "invite" || p.status === "disabled";
  return html`<h1>${p.name} affiliate program</h1>
    ${termsList(p)}
    ${v.message ? html`<p class="notice bad" role="alert">${v.message}</p>` : null}
    ${closed
      ? html`<p class="notice warn">${p.status === "disabled" ? "This program is not taking affiliates at the moment; ask the merchant." : "This program takes affiliates by invitation only; ask the merchant to invite you."}</p>`
      : html`<form method="post" action="/join/${p.key}">
          <p><label>Your name<br><input name="name" autocomplete="name" required maxlength="120" value="${v.name ?? ""}"></label></p>
          <p><label>Email<br><input type="email" name="email" autocomplete="email" required value="${v.email ?? ""}"></label></p>
          <p class="trap" aria-hidden="true"><label>Website<input name="website" tabindex="-1" autocomplete="off"></label></p>
          <p><button type="submit">${(p.join ?? "invite") === "open" ? "Join" : "Apply"}</button></p>
        </form>`}
    <p class="muted">Joined already? <a href="/portal/login">Sign in</a>.</p>`;
}

function loginPage(v: { sent?: boolean; message?: string } = {}): Html {
  return html`<h1>Affiliates: sign in</h1>
    ${v.sent ? html`<p class="notice ok" role="status">If an affiliate has this email, a sign-in link is on its way. It works once, within 15 minutes.</p>` : null}
    ${v.message ? html`<p class="notice bad" role="alert">${v.message}</p>` : null}
    <form method="post" action="/portal/login">
      <p><label>Your email<br><input type="email" name="email" autocomplete="email" required></label></p>
      <p><button type="submit">Email me a sign-in link</button></p>
    </form>`;
}

const REFUSED: Record<"unknown" | "used" | "expired" | "disabled", string> = {
  unknown: "This sign-in link is not valid: it was used already, replaced by a newer one, or has expired.",
  used: "This sign-in link was used already or replaced by a newer one; each link works once.",
  expired: "This sign-in link has expired.",
  disabled: "This affiliate account is disabled; ask the merchant.",
};

function refusedPage(reason: keyof typeof REFUSED): Html {
  return html`<h1>That link does not work</h1>
    <p class="notice bad" role="alert">${REFUSED[reason]}</p>
    ${reason === "disabled" ? null : html`<p><a class="button" href="/portal/login">Email me a new sign-in link</a></p>`}`;
}

async function portalPage(ctx: AppContext, affiliate: Affiliate, program: Program): Promise<Html> {
  const now = ctx.now();
  const pending = affiliate.status === "pending";
  const header = html`<header><p class="muted">${program.name} · ${affiliate.name} (${affiliate.email}) · <button class="secondary small" id="portal-sign-out">Sign out</button></p></header>`;
  if (pending) {
    return html`${header}<h1>Awaiting approval</h1>
      <p class="notice warn" role="status">Your application to ${program.name} is awaiting the merchant's approval. Your links appear here once you are approved.</p>
      <h2>The program's terms</h2>${termsList(program)}`;
  }
  const range = { from: utcDay(Math.max(affiliate.createdAt, now - 730 * DAY_MS)), to: utcDay(now), affiliateId: affiliate.id };
  const [summary, days, links, conversions, payouts] = await Promise.all([
    reportSummary(ctx.store, affiliate.workspaceId, range, now),
    reportTimeseries(ctx.store, affiliate.workspaceId, { from: utcDay(now - 29 * DAY_MS), to: utcDay(now), affiliateId: affiliate.id }, now),
    ctx.store.listLinks(affiliate.workspaceId, { affiliateId: affiliate.id, limit: 20 }),
    ctx.store.listConversions(affiliate.workspaceId, { affiliateId: affiliate.id, limit: 25 }),
    ctx.store.listPayouts(affiliate.workspaceId, { affiliateId: affiliate.id, limit: 25, match: (p) => p.status !== "canceled" }),
  ]);
  const method = affiliate.payoutMethod ?? null;
  return html`${header}<h1>${program.name} affiliate portal</h1>
    <section aria-labelledby="links-h"><h2 id="links-h">Your links</h2>
      <ul class="links" id="portal-links">${links.data.map((l) => {
        const url = `${ctx.config.publicUrl}/r/${l.code}`;
        return html`<li><code class="url">${url}</code> ${l.path ? html`<span class="muted">→ ${l.path}</span>` : null} <button class="secondary small" data-copy="${url}">Copy</button></li>`;
      })}</ul>
      <form id="add-link" class="create"><label>Another page of ${program.url}<input name="path" placeholder="/pricing" pattern="/.*"></label><button type="submit">Add link</button></form>
      <p id="portal-error" class="notice bad" role="alert" hidden></p>
    </section>
    <section aria-labelledby="figures-h"><h2 id="figures-h">Your results</h2>
      <p><strong id="portal-clicks">${summary.clicks}</strong> clicks · <strong id="portal-conversions">${summary.conversions}</strong> conversions</p>
      <div class="charts">${barChart("Clicks", days.map((d) => ({ date: d.date, value: d.clicks, label: `${d.clicks} clicks` })))}${barChart("Conversions", days.map((d) => ({ date: d.date, value: d.conversions, label: `${d.conversions} conversions` })))}</div>
      <div class="scroll"><table class="stack"><thead><tr><th>Currency</th><th class="num">Pending</th><th class="num">Due</th><th class="num">Paid</th></tr></thead>
      <tbody id="portal-earnings">${summary.commission.length === 0 ? html`<tr><td colspan="4" class="muted">No earnings yet.</td></tr>` : summary.commission.map((c) => html`<tr data-currency="${c.currency}"><td data-label="Currency">${c.currency.toUpperCase()}</td><td class="num" data-label="Pending">${formatMoney(c.pending + c.onHold, c.currency)}</td><td class="num" data-label="Due">${formatMoney(c.approved, c.currency)}</td><td class="num" data-label="Paid">${formatMoney(c.paid, c.currency)}</td></tr>`)}</tbody></table></div>
      <p class="muted">Pending commission waits out the program's hold of ${program.holdDays} days in case of refunds; then it is due.</p>
    </section>
    <section aria-labelledby="conv-h"><h2 id="conv-h">Conversions</h2>
      <div class="scroll"><table class="stack"><thead><tr><th>Date</th><th>Customer</th><th class="num">Sale</th><th class="num">Commission</th><th>Status</th></tr></thead>
      <tbody id="portal-conversion-rows">${conversions.data.length === 0 ? html`<tr><td colspan="5" class="muted">No conversions yet.</td></tr>` : conversions.data.map((c) => html`<tr data-conversion="${c.id}"><td data-label="Date">${formatTime(c.createdAt)}</td><td data-label="Customer">${maskEmail(c.customerEmail) ?? "—"}</td><td class="num" data-label="Sale">${formatMoney(c.amount, c.currency)}</td><td class="num" data-label="Commission">${formatMoney(c.commission.amount, c.commission.currency)}</td><td data-label="Status">${conversionStatusAt(c, now)}</td></tr>`)}</tbody></table></div>
    </section>
    <section aria-labelledby="payouts-h"><h2 id="payouts-h">Payouts</h2>
      ${payouts.data.length === 0
        ? html`<p class="muted">No payouts yet.</p>`
        : html`<div class="scroll"><table class="stack"><thead><tr><th>Made</th><th class="num">Amount</th><th class="num">Claw-backs</th><th>Status</th><th>Paid</th><th>Reference</th></tr></thead>
          <tbody id="portal-payouts">${payouts.data.map(portalPayout).map((p) => html`<tr data-payout="${p.id}"><td data-label="Made">${formatTime(Date.parse(p.createdAt))}</td><td class="num" data-label="Amount">${formatMoney(p.amount, p.currency)}</td><td class="num" data-label="Claw-backs">${p.clawback === 0 ? "—" : formatMoney(p.clawback, p.currency)}</td><td data-label="Status">${p.status === "paid" ? "paid" : "on its way"}</td><td data-label="Paid">${p.paidAt ? formatTime(Date.parse(p.paidAt)) : "—"}</td><td data-label="Reference">${p.reference ?? "—"}</td></tr>`)}</tbody></table></div>
          <p class="muted">A claw-back is commission paid earlier that a refund or a lost dispute took back; it is taken from the next payout.</p>`}
    </section>
    <section aria-labelledby="method-h"><h2 id="method-h">How you are paid</h2>
      <p id="method-now">${method ? (method.type === "bank" ? `Bank transfer: ${method.details}` : `${method.type === "paypal" ? "PayPal" : "Wise"}: ${method.email}`) : "Not set yet: set it so the merchant can pay you."}</p>
      <form id="payout-method" class="create">
        <label>Method<select name="type"><option value="paypal"${method?.type === "paypal" ? html` selected` : null}>PayPal</option><option value="wise"${method?.type === "wise" ? html` selected` : null}>Wise</option><option value="bank"${method?.type === "bank" ? html` selected` : null}>Bank transfer</option></select></label>
        <label>PayPal or Wise email<input type="email" name="email" value="${method && method.type !== "bank" ? method.email : ""}"></label>
        <label>Bank details (holder, IBAN or account, bank)<input name="details" value="${method?.type === "bank" ? method.details : ""}"></label>
        <button type="submit">Save</button>
      </form>
    </section>
    <h2>The program's terms</h2>${termsList(program)}`;
}

export function portalPages(ctx: AppContext): Router {
  const router = Router();
  const programFor = async (key: string) => {
    const program = await ctx.store.programByKey(key);
    if (!program) throw new ApiError(404, "not_found", "There is no program with this key; check the join link you were given.");
    return program;
  };

  router.get("/join/:programKey", async (req, res) => {
    const program = await programFor(req.params.programKey);
    sendPage(res.status((program.join ?? "invite") === "invite" || program.status === "disabled" ? 403 : 200), `Join ${program.name}`, joinPage(program));
  });

  router.post("/join/:programKey", form, async (req, res) => {
    const program = await programFor(req.params.programKey);
    const body = (req.body ?? {}) as Partial<Record<string, unknown>>;
    const shown = { name: text(body.name), email: text(body.email) };
    const parsed = joinBody.safeParse({ program: program.key, name: body.name, email: body.email, website: text(body.website) });
    if (!parsed.success) {
      const bad = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join("; ");
      sendPage(res.status(400), `Join ${program.name}`, joinPage(program, { ...shown, message: `Check the form: ${bad}.` }));
      return;
    }
    const limit = await joinLimit(ctx, req);
    if (!limit.allowed) {
      sendPage(res.status(429).set("Retry-After", String(limit.retryAfterSeconds)), `Join ${program.name}`, joinPage(program, { ...shown, message: "Too many sign-ups from this address; try again later." }));
      return;
    }
    try {
      const result = await joinProgram(ctx, parsed.data);
      sendPage(res.status(201), `Join ${program.name}`, joinPage(program, { done: result.status }));
    } catch (error) {
      if (!(error instanceof ApiError) || error.status >= 500) throw error;
      sendPage(res.status(error.status), `Join ${program.name}`, joinPage(program, { ...shown, message: error.message }));
    }
  });

  router.get("/portal/login", (_req, res) => {
    sendPage(res, "Affiliates: sign in", loginPage());
  });

  router.post("/portal/login", form, async (req, res) => {
    const email = normalizeEmail(text((req.body as Partial<Record<string, unknown>> | undefined)?.email));
    const limit = await portalLoginLimit(ctx, req);
    if (!limit.allowed) {
      sendPage(res.status(429).set("Retry-After", String(limit.retryAfterSeconds)), "Affiliates: sign in", loginPage({ message: "Too many sign-in requests from this address; try again in a minute." }));
      return;
    }
    sendPage(res.status(202), "Affiliates: sign in", loginPage({ sent: true }));
    if (email) await sendSignInLinks(ctx, email);
  });

  router.get("/portal/auth/:token", async (req, res) => {
    const token = req.params.token;
    const ref = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await ctx.store.portalLinkByHash(tokenHash(token)) : null;
    if (!ref || ref.expiresAt <= ctx.now()) { sendPage(res.status(410), "Sign in", refusedPage(ref ? "expired" : "unknown")); return; }
    sendPage(res, "Sign in", html`<h1>Sign in to the affiliates' portal</h1>
      <form method="post" action="/portal/auth"><input type="hidden" name="token" value="${token}"><button type="submit">Sign in</button></form>
      <p class="muted">The link works once; this button uses it.</p>`);
  });

  router.post("/portal/auth", form, async (req, res) => {
    const token = text((req.body as Partial<Record<string, unknown>> | undefined)?.token) ?? "";
    const result = /^[A-Za-z0-9_-]{20,100}$/.test(token) ? await signInWithLink(ctx, res, token) : { refused: "unknown" as const };
    if ("refused" in result) { sendPage(res.status(410), "Sign in", refusedPage(result.refused)); return; }
    res.redirect(303, "/portal");
  });

  router.get("/portal", async (req, res) => {
    const signedIn = await currentAffiliate(ctx, req);
    const program = signedIn ? await ctx.store.getProgram(signedIn.affiliate.workspaceId, signedIn.affiliate.programId) : null;
    if (!signedIn || !program) { res.redirect(303, "/portal/login"); return; }
    sendPage(res, `${program.name} · Affiliates`, html`<main class="portal">${await portalPage(ctx, signedIn.affiliate, program)}</main>`, scriptPath("portal"));
  });

  return router;
}
