import Stripe from "stripe";
import { startMerchantSite } from "./app.js";

// `npm run example`: the example shop against a running Icodrip and a Stripe test account.
// ICODRIP_URL (default http://localhost:8787), PROGRAM_KEY, STRIPE_SECRET_KEY, PORT (default 3000);
// STRIPE_API_URL points the shop at a local Stripe sandbox instead of Stripe.

const icodripUrl = process.env.ICODRIP_URL ?? "http://localhost:8787";
const programKey = process.env.PROGRAM_KEY;
const key = process.env.STRIPE_SECRET_KEY;
const port = Number(process.env.PORT ?? 3000);

if (!programKey || !key) {
  console.error(
    [
      "The example shop needs PROGRAM_KEY (a program's key, from POST /api/v1/programs or the dashboard's snippet tag)",
      "and STRIPE_SECRET_KEY (a Stripe test key, sk_test_…). With no Stripe account, `npm run demo` runs Icodrip,",
      "a local Stripe sandbox and this shop together.",
    ].join("\n"),
  );
  process.exit(1);
}

const apiUrl = process.env.STRIPE_API_URL ? new URL(process.env.STRIPE_API_URL) : null;
const stripe = apiUrl
  ? new Stripe(key, { host: apiUrl.hostname, port: Number(apiUrl.port || (apiUrl.protocol === "https:" ? 443 : 80)), protocol: apiUrl.protocol === "https:" ? "https" : "http" })
  : new Stripe(key);

const site = await startMerchantSite({ icodripUrl, programKey, stripe, port }).catch((error: unknown) => {
  const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  console.error(code === "EADDRINUSE" ? `Port ${port} is taken; run PORT=<another> npm run example.` : `The shop could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
console.log(`Example shop on ${site.url} (snippet from ${icodripUrl}).`);
console.log(`The program's site must be ${site.url} (its "url"), or Icodrip refuses the snippet's clicks from this origin.`);
