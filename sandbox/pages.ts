import type Stripe from "stripe";
import type { Answer } from "./http.js";
import type { AccountRecord, CheckoutSessionRecord, SandboxState } from "./state.js";

// The sandbox's HTML: the Connect account chooser, the hosted payment page, and the sandbox's
// own page (a stand-in for Stripe's dashboard). Server-rendered, every value escaped, no
// scripts, small forms posting back to the sandbox.

export const esc = (value: string | number | null | undefined): string =>
  String(value ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

// An expandable Stripe field: the sandbox stores the id, but the type also allows the object.
const idOf = (field: string | { id: string } | null): string | null => (typeof field === "object" && field !== null ? field.id : field);

const STYLE = `
body{font:15px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f6f8fa;color:#1a1f36}
main{max-width:1100px;margin:0 auto;padding:24px}
.card{background:#fff;border:1px solid #e3e8ee;border-radius:8px;padding:20px;margin:0 0 20px}
.narrow{max-width:440px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:0 0 12px}
.muted{color:#697386;font-size:13px}
label{display:block;margin:12px 0 4px;font-weight:600}
input{box-sizing:border-box;width:100%;padding:8px 10px;border:1px solid #c1c9d2;border-radius:6px;font:inherit}
.row{display:flex;gap:12px}.row>div{flex:1}
button{font:inherit;padding:8px 14px;border-radius:6px;border:1px solid #c1c9d2;background:#fff;cursor:pointer}
button.primary{background:#635bff;border-color:#635bff;color:#fff;width:100%;margin-top:16px;padding:10px}
button.choice{display:block;width:100%;text-align:left;margin:8px 0;padding:12px}
.error{background:#fff0f0;border:1px solid #f5b5b5;color:#a01b1b;padding:10px;border-radius:6px;margin-top:12px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 8px;border-top:1px solid #e3e8ee;vertical-align:top}
th{color:#697386;font-weight:600;border-top:0}code{font-size:12px;word-break:break-all}
.ok{color:#0e6245}.bad{color:#a01b1b}td form{display:inline-flex;gap:6px;margin:0}td input{width:90px;padding:4px 6px}
`;

export function page(title: string, body: string, status = 200): Answer {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
  return { status, html, headers: { "Cache-Control": "no-store" } };
}

export const money = (amount: number | null | undefined, currency: string | null | undefined) =>
  amount == null ? "—" : `${(amount / 100).toFixed(2)} ${(currency ?? "").toUpperCase()}`;
const time = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

// ---- Connect: the account chooser ----

export function chooserPage(state: SandboxState, rawQuery: string, accounts: AccountRecord[]): Answer {
  const buttons = accounts
    .map((a) => `<button class="choice" type="submit" name="account" value="${esc(a.id)}"><strong>${esc(a.displayName)}</strong><br><span class="muted">${esc(a.email)} · ${esc(a.id)}</span></button>`)
    .join("");
  return page(
    "Connect with Stripe (sandbox)",
    `<div class="card narrow"><h1>Connect your Stripe account</h1>
<p class="muted">The Stripe sandbox stands in for Stripe. ${esc(state.platform.displayName)} asks to connect to one of your accounts.</p>
<form method="post" action="/oauth/authorize"><input type="hidden" name="query" value="${esc(rawQuery)}">
${buttons}
<button class="choice" type="submit" name="account" value="new"><strong>Create a new account</strong></button>
<button class="choice" type="submit" name="account" value="deny">Deny</button>
</form></div>`,
  );
}

// ---- the hosted payment page ----

export function payPage(record: CheckoutSessionRecord, form: { email?: string; promotionCode?: string; error?: string } = {}, status = 200): Answer {
  const session = record.session as unknown as Stripe.Checkout.Session;
  if (session.status !== "open") {
    const back = session.success_url ? `<p><a href="${esc(session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", session.id))}">Back to the shop</a></p>` : "";
    return page("Payment complete", `<div class="card narrow"><h1>This payment is complete.</h1>${back}</div>`, status);
  }
  const lines = record.lineItems
    .map((i) => `<tr><td>${esc(i.productName)}${i.quantity > 1 ? ` × ${i.quantity}` : ""}</td><td>${esc(money(i.unitAmount * i.quantity, i.currency))}${i.recurring ? ` / ${esc(i.recurring.interval_count > 1 ? `${i.recurring.interval_count} ${i.recurring.interval}s` : i.recurring.interval)}` : ""}</td></tr>`)
    .join("");
  const email = form.email ?? session.customer_email ?? "";
  const cancel = session.cancel_url ? `<p class="muted"><a href="${esc(session.cancel_url)}">← Back</a></p>` : "";
  return page(
    "Pay (Stripe sandbox)",
    `<div class="card narrow">${cancel}<h1>Pay ${esc(money(session.amount_total, session.currency))}</h1>
<p class="muted">Stripe sandbox · test mode. Card 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined.</p>
<table>${lines}</table>
<form method="post" action="/pay/${esc(session.id)}">
<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" required value="${esc(email)}">
<label for="cardnumber">Card number</label><input id="cardnumber" name="cardnumber" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required>
<div class="row"><div><label for="exp">Expiry</label><input id="exp" name="exp" autocomplete="cc-exp" placeholder="MM / YY" required></div>
<div><label for="cvc">CVC</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" required></div></div>
${promotionField(session, form.promotionCode)}
${form.error ? `<div class="error" role="alert">${esc(form.error)}</div>` : ""}
<button class="primary" type="submit">Pay</button>
</form></div>`,
    status,
  );
}

/** Where the customer types a promotion code (allow_promotion_codes), or the discount already applied. */
function promotionField(session: Stripe.Checkout.Session, typed: string | undefined): string {
  const off = session.total_details?.amount_discount ?? 0;
  if (off > 0 && !session.allow_promotion_codes) return `<p class="muted">Discount: −${esc(money(off, session.currency))}</p>`;
  if (!session.allow_promotion_codes) return "";
  return `<label for="promotion_code">Promotion code</label><input id="promotion_code" name="promotion_code" autocomplete="off" placeholder="Add promotion code" value="${esc(typed ?? "")}">`;
}

// ---- the sandbox's own page ----

export function dashboardPage(state: SandboxState, url: string): Answer {
  const accountName = (id: string) => state.accounts.get(id)?.displayName ?? id;
  const accounts = [...state.accounts.values()]
    .map((a) => {
      const connected = state.activeGrants(a.id).length > 0;
      const role = a.id === state.platform.id ? "platform" : connected ? "connected" : "";
      return `<tr><td>${esc(a.displayName)}</td><td><code>${esc(a.id)}</code></td><td>${esc(a.email)}</td><td>${esc(role)}</td><td><code>${esc(a.secretKey ?? "")}</code></td></tr>`;
    })
    .join("");

  const endpoints = [...state.endpoints.values()]
    .sort((a, b) => a.seq - b.seq)
    .map(
      (e) => `<tr><td><code>${esc(e.id)}</code><br>${esc(accountName(e.accountId))}${e.connect ? " (Connect)" : ""}</td><td>${esc(e.url)}</td><td>${esc(e.apiVersion ?? "account default")}</td>
<td>${esc(e.enabledEvents.join(", "))}</td><td>${esc(e.status)}</td><td><code>${esc(e.secret)}</code></td>
<td><form method="post" action="/sandbox/endpoints/${esc(e.id)}/roll"><button type="submit">Roll secret</button></form></td></tr>`,
    )
    .join("");

  const deliveries = [...state.deliveries]
    .reverse()
    .slice(0, 200)
    .map(
      (d) => `<tr><td>${esc(time(d.at))}</td><td><code>${esc(d.endpointId)}</code><br>${esc(d.url)}</td><td>${esc(d.eventType)}<br><code>${esc(d.eventId)}</code>${d.account ? `<br>account ${esc(d.account)}` : ""}</td>
<td>${esc(d.attempt)}</td><td class="${d.ok ? "ok" : "bad"}">${esc(d.status ?? "no answer")}</td><td><code>${esc(d.error ?? d.response)}</code></td></tr>`,
    )
    .join("");

  const objects = (kind: string) => [...state.objects.values()].filter((o) => o.current.object === kind).reverse();
  const payments = objects("charge")
    .map((o) => {
      const c = o.current as unknown as Stripe.Charge;
      const left = c.amount - c.amount_refunded;
      const refund = left > 0
        ? `<form method="post" action="/sandbox/charges/${esc(c.id)}/refund"><input name="amount" inputmode="numeric" aria-label="Amount to refund (cents)" placeholder="${esc(left)}"><button type="submit">Refund</button></form>`
        : "refunded";
      return `<tr><td>${esc(time(c.created * 1000))}</td><td>${esc(accountName(o.accountId))}</td><td><code>${esc(c.id)}</code><br><code>${esc(idOf(c.payment_intent))}</code></td>
<td>${esc(money(c.amount, c.currency))}</td><td>${esc(money(c.amount_refunded, c.currency))}</td><td>${esc(c.billing_details.email)}</td><td>${refund}</td></tr>`;
    })
    .join("");

  const subscriptions = objects("subscription")
    .map((o) => {
      const s = o.current as unknown as Stripe.Subscription;
      const item = s.items.data.at(0);
      return `<tr><td><code>${esc(s.id)}</code></td><td>${esc(accountName(o.accountId))}</td><td>${esc(money(item?.price.unit_amount, item?.price.currency))} / ${esc(item?.price.recurring?.interval)}</td>
<td>${esc(item ? `${time(item.current_period_start * 1000).slice(0, 10)} → ${time(item.current_period_end * 1000).slice(0, 10)}` : "")}</td><td><code>${esc(idOf(s.latest_invoice))}</code></td>
<td><form method="post" action="/sandbox/subscriptions/${esc(s.id)}/advance"><button type="submit">Advance to next invoice</button></form></td></tr>`;
    })
    .join("");

  const section = (id: string, title: string, head: string[], rows: string, empty: string) =>
    `<section class="card" id="${id}"><h2>${esc(title)}</h2>${rows ? `<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr>${rows}</table>` : `<p class="muted">${esc(empty)}</p>`}</section>`;

  return page(
    "Stripe sandbox",
    `<h1>Stripe sandbox</h1><p class="muted">A local stand-in for Stripe at ${esc(url)} · platform key <code>${esc(state.platformKey)}</code> · client id <code>${esc(state.clientId)}</code></p>
${section("accounts", "Accounts", ["Name", "Id", "Email", "", "Secret key"], accounts, "No accounts.")}
${section("endpoints", "Webhook endpoints", ["Endpoint", "URL", "API version", "Events", "Status", "Signing secret", ""], endpoints, "No webhook endpoints yet.")}
${section("deliveries", "Deliveries", ["Time", "Endpoint", "Event", "Try", "HTTP status", "Answer"], deliveries, "No deliveries yet.")}
${section("payments", "Payments", ["Time", "Account", "Charge / PaymentIntent", "Amount", "Refunded", "Email", ""], payments, "No payments yet.")}
${section("subscriptions", "Subscriptions", ["Subscription", "Account", "Price", "Current period", "Latest invoice", ""], subscriptions, "No subscriptions yet.")}`,
  );
}
