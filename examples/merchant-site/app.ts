import express from "express";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import Stripe from "stripe";
import { referral, wrapStripe } from "../../middleware/index.js";

// A merchant's site as Icodrip expects to meet it: the snippet tag in the page, a Stripe Payment
// Link and a Pricing Table on it, and a checkout route wrapped by the middleware. The end-to-end
// test drives it in a real browser; `npm run example` (see README) runs it by hand.

export interface MerchantSiteOptions {
  /** where Icodrip runs, e.g. http://127.0.0.1:8787 */
  icodripUrl: string;
  /** read on every page view, so a test may set it after the site started */
  programKey: string;
  stripe: Stripe;
  port?: number;
  host?: string;
}

export function merchantApp(o: MerchantSiteOptions): express.Express {
  const app = express();
  const stripe = wrapStripe(o.stripe);
  app.use(referral());
  app.use(express.urlencoded({ extended: false }));

  app.get(["/", "/pricing"], (_req, res) => {
    res.type("html").send(page(o));
  });

  app.post("/checkout", async (req, res) => {
    const session = await stripe.checkout.sessions.create({
      mode: "payment",
      line_items: [{ price_data: { currency: "usd", unit_amount: 4_900, product_data: { name: "Pro plan" } }, quantity: 1 }],
      success_url: `${req.protocol}://${req.get("host")}/thanks?session_id={CHECKOUT_SESSION_ID}`,
    });
    res.json({ id: session.id, url: session.url, referral: req.referral ?? null });
  });

  app.get("/thanks", (_req, res) => {
    res.type("html").send("<!doctype html><title>Thanks</title><h1>Thank you!</h1>");
  });
  return app;
}

export async function startMerchantSite(o: MerchantSiteOptions): Promise<{ url: string; close(): Promise<void> }> {
  const host = o.host ?? "127.0.0.1";
  const server: Server = await new Promise((resolve) => {
    const s = merchantApp(o).listen(o.port ?? 0, host, () => resolve(s));
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

function page(o: MerchantSiteOptions): string {
  const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Pro plan — Example Shop</title>
  <script>window.icodrip=window.icodrip||{q:[],ready:function(c){this.q.push(c)}};</script>
  <script async src="${escape(o.icodripUrl)}/snippet.js" data-program="${escape(o.programKey)}"></script>
</head>
<body>
  <h1>Pro plan</h1>
  <form id="signup"><input id="email" type="email" value="buyer@example.com"><button id="lead">Get updates</button></form>
  <a id="payment-link" href="https://buy.stripe.com/test_abc123?prefilled_promo_code=WELCOME">Buy with a Payment Link</a>
  <stripe-pricing-table id="pricing" pricing-table-id="prctbl_123" publishable-key="pk_test_123"></stripe-pricing-table>
  <button id="checkout">Checkout</button>
  <pre id="result"></pre>
  <script>
    document.getElementById("signup").addEventListener("submit", function (e) {
      e.preventDefault();
      icodrip.lead(document.getElementById("email").value);
    });
    document.getElementById("checkout").addEventListener("click", async function () {
      const res = await fetch("/checkout", { method: "POST" });
      document.getElementById("result").textContent = JSON.stringify(await res.json());
    });
  </script>
</body>
</html>`;
}
