import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import Stripe from "stripe";
import { referral, wrapStripe } from "../../middleware/index.js";

// A merchant's site as Icodrip expects to meet it: the snippet tag on every page, a one-time
// product and a subscription sold through Stripe Checkout with the middleware (a Buy button posts
// a form, the server creates the session and redirects to its `url`), and a page with a Stripe
// Payment Link and a Pricing Table that the snippet decorates with no code. `npm run demo` runs it
// against the Stripe sandbox; `npm run example` against any Stripe (test) account.

export interface MerchantSiteOptions {
  /** where Icodrip runs, e.g. http://localhost:8787 */
  icodripUrl: string;
  /** read on every page view, so a test may set it after the site started */
  programKey: string;
  stripe: Stripe;
  port?: number;
  host?: string;
  /** a Payment Link to show on /pricing (default: a made-up one, decorated all the same) */
  paymentLinkUrl?: string;
  /** one line per failed checkout; default console.error */
  log?: (line: string) => void;
  /**
   * The demo's shop settings page (/admin): paste the program key from Icodrip's snippet tag and
   * pick the Stripe account the shop sells with, as a merchant does once on their own site.
   */
  settings?: { accounts: { label: string; secretKey: string }[]; stripeFor(secretKey: string): Stripe };
}

interface Product {
  mode: "payment" | "subscription";
  name: string;
  amount: number;
  currency: string;
  interval?: "month" | "year";
}

const PRODUCTS: Record<string, Product> = {
  pro: { mode: "payment", name: "Pro plan (lifetime licence)", amount: 4_900, currency: "usd" },
  team: { mode: "subscription", name: "Team plan", amount: 1_900, currency: "usd", interval: "month" },
};

// urlencoded() types the body as any: each form field is read as a string or nothing.
function field(req: express.Request, name: string): string | undefined {
  const value: unknown = (req.body as Partial<Record<string, unknown>> | undefined)?.[name];
  return typeof value === "string" ? value : undefined;
}

// Own products only: a posted name such as "constructor" must not find Object's prototype.
function productNamed(name: string): Product | undefined {
  return Object.hasOwn(PRODUCTS, name) ? PRODUCTS[name] : undefined;
}

export function merchantApp(o: MerchantSiteOptions): express.Express {
  const app = express();
  // Wrapped per call, since the settings page (or a test) may change the shop's Stripe client.
  const stripe = { checkout: { sessions: { create: (params: Stripe.Checkout.SessionCreateParams) => wrapStripe(o.stripe).checkout.sessions.create(params) } } };
  const log = o.log ?? ((line: string) => console.error(line));
  app.use(referral());
  app.use(express.urlencoded({ extended: false, limit: "2kb" }));

  app.get("/", (_req, res) => res.type("html").send(layout(o, "Example Shop", productPage())));
  app.get("/pricing", (_req, res) => res.type("html").send(layout(o, "Pricing", pricingPage(o))));
  app.get("/thanks", (req, res) => {
    const session = typeof req.query.session_id === "string" ? req.query.session_id.slice(0, 200) : "";
    res.type("html").send(layout(o, "Thank you", `<h1>Thank you!</h1><p>Your payment went through${session ? ` (Checkout Session <code>${escape(session)}</code>)` : ""}.</p><p><a href="/">Back to the shop</a></p>`));
  });

  if (o.settings) {
    const settings = o.settings;
    app.get("/admin", (req, res) => res.type("html").send(layout(o, "Shop settings", settingsPage(o, settings, req.query.saved === "1"))));
    app.post("/admin", (req, res) => {
      const programKey = field(req, "programKey")?.trim() ?? "";
      const account = settings.accounts.find((a) => a.secretKey === field(req, "account"));
      if (!/^[A-Za-z0-9_-]{1,100}$/.test(programKey) || !account) {
        return res.status(400).type("html").send(layout(o, "Shop settings", `<p role="alert">Paste the program key (the snippet's data-program) and choose an account.</p>${settingsPage(o, settings, false)}`));
      }
      o.programKey = programKey;
      o.stripe = settings.stripeFor(account.secretKey);
      res.redirect(303, "/admin?saved=1");
    });
  }

  // Each product's Buy button posts here; the middleware adds the visitor's referral to the session.
  app.post("/checkout", async (req, res) => {
    const product = productNamed(field(req, "product") ?? "pro");
    if (!product) return res.status(400).type("html").send(layout(o, "Checkout", "<h1>Unknown product</h1><p><a href=\"/\">Back to the shop</a></p>"));
    const origin = `${req.protocol}://${req.get("host") ?? ""}`;
    try {
      const price_data = {
        currency: product.currency,
        unit_amount: product.amount,
        product_data: { name: product.name },
        ...(product.interval ? { recurring: { interval: product.interval } } : {}),
      };
      const session = await stripe.checkout.sessions.create({
        mode: product.mode,
        line_items: [{ price_data, quantity: 1 }],
        success_url: `${origin}/thanks?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${origin}/`,
      });
      if (!session.url) throw new Error("Stripe answered a Checkout Session without a url.");
      res.redirect(303, session.url);
    } catch (error) {
      // The visitor gets a sentence, the terminal one line: never a stack trace or a 500 page.
      const reason = checkoutFailure(error);
      log(`example shop: checkout failed: ${reason}`);
      res.status(502).type("html").send(layout(o, "Checkout failed", `<h1>Checkout is not available right now</h1><p role="alert">${escape(reason)}</p><p><a href="/">Back to the shop</a></p>`));
    }
  });
  return app;
}

function checkoutFailure(error: unknown): string {
  if (error instanceof Stripe.errors.StripeAuthenticationError) return "Stripe refused the shop's secret key: check STRIPE_SECRET_KEY (a test key starts with sk_test_).";
  if (error instanceof Stripe.errors.StripeConnectionError) return "Stripe could not be reached from the shop's server: check its network (or STRIPE_API_URL for a local sandbox).";
  if (error instanceof Stripe.errors.StripeError) return `Stripe refused the Checkout Session: ${error.message}`;
  return `The Checkout Session could not be created: ${error instanceof Error ? error.message : String(error)}`;
}

export async function startMerchantSite(o: MerchantSiteOptions): Promise<{ url: string; close(): Promise<void> }> {
  const host = o.host ?? "127.0.0.1";
  const server: Server = await new Promise((resolve, reject) => {
    const s = merchantApp(o).listen(o.port ?? 0, host, () => resolve(s));
    s.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host === "127.0.0.1" ? "localhost" : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const money = (p: Product) => `${new Intl.NumberFormat("en-US", { style: "currency", currency: p.currency }).format(p.amount / 100)}${p.interval ? ` a ${p.interval}` : ""}`;

function productPage(): string {
  const buy = (id: string, p: Product) => `
    <section class="product">
      <h2>${escape(p.name)}</h2>
      <p class="price">${money(p)}</p>
      <form method="post" action="/checkout"><input type="hidden" name="product" value="${id}"><button type="submit">${p.mode === "subscription" ? "Buy a subscription" : "Buy now"} — ${money(p)}</button></form>
    </section>`;
  return `
    <h1>Example Shop</h1>
    <p>Everything here is paid through Stripe Checkout; an affiliate who sent you gets their commission.</p>
    ${buy("pro", PRODUCTS.pro)}
    ${buy("team", PRODUCTS.team)}
    <p><a href="/pricing">Pricing, Payment Link and Pricing Table</a></p>`;
}

function pricingPage(o: MerchantSiteOptions): string {
  return `
    <h1>Pricing</h1>
    <p>No code on this page passes the referral: the snippet adds it to the Payment Link and the Pricing Table below.</p>
    <p><a id="payment-link" href="${escape(o.paymentLinkUrl ?? "https://buy.stripe.com/test_abc123?prefilled_promo_code=WELCOME")}">Buy with a Payment Link</a></p>
    <stripe-pricing-table id="pricing" pricing-table-id="prctbl_123" publishable-key="pk_test_123"></stripe-pricing-table>
    <form method="post" action="/checkout"><input type="hidden" name="product" value="pro"><button id="checkout" type="submit">Buy now — ${money(PRODUCTS.pro)}</button></form>`;
}

function settingsPage(o: MerchantSiteOptions, settings: NonNullable<MerchantSiteOptions["settings"]>, saved: boolean): string {
  const options = settings.accounts.map((a) => `<option value="${escape(a.secretKey)}">${escape(a.label)}</option>`).join("");
  return `
    <h1>Shop settings</h1>
    ${saved ? '<p role="status">Saved. The shop now uses this program and Stripe account.</p>' : ""}
    <p>What a merchant sets up once on their own site: Icodrip's snippet tag (its <code>data-program</code>) and the Stripe account that takes the payments.</p>
    <form method="post" action="/admin">
      <p><label>Program key<br><input name="programKey" value="${escape(o.programKey)}" required></label></p>
      <p><label>Stripe account<br><select name="account">${options}</select></label></p>
      <p><button type="submit">Save</button></p>
    </form>`;
}

function layout(o: MerchantSiteOptions, title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escape(title)} — Example Shop</title>
  <style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}section.product{border:1px solid #ddd;border-radius:8px;padding:1rem;margin:1rem 0}button{font:inherit;padding:.5rem 1rem}.price{font-size:1.3rem}code{overflow-wrap:anywhere}</style>
  <script>window.icodrip=window.icodrip||{q:[],ready:function(c){this.q.push(c)}};</script>
  <script async src="${escape(o.icodripUrl)}/snippet.js" data-program="${escape(o.programKey)}"></script>
</head>
<body>
${body}
<footer>
  <h2>Stay in touch</h2>
  <form id="signup"><input id="email" type="email" autocomplete="email" placeholder="you@example.com" required> <button id="lead">Get updates</button></form>
</footer>
<script>
  // The shop tells Icodrip the visitor's email (a lead), so a later payment by it is attributed.
  document.getElementById("signup").addEventListener("submit", function (e) {
    e.preventDefault();
    icodrip.lead(document.getElementById("email").value);
    e.target.insertAdjacentHTML("afterend", "<p id='lead-thanks'>Thanks, we will write.</p>");
  });
</script>
</body>
</html>`;
}
