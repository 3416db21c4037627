import Stripe from "stripe";
import { startMerchantSite } from "./app.js";

// Runs the example shop against a running Icodrip: ICODRIP_URL, PROGRAM_KEY and a Stripe test key.
const icodripUrl = process.env.ICODRIP_URL ?? "http://127.0.0.1:8787";
const programKey = process.env.PROGRAM_KEY;
const key = process.env.STRIPE_SECRET_KEY;
if (!programKey || !key) {
  console.error("Set PROGRAM_KEY (a program's key from POST /api/v1/programs) and STRIPE_SECRET_KEY (sk_test_…).");
  process.exit(1);
}
const site = await startMerchantSite({ icodripUrl, programKey, stripe: new Stripe(key), port: Number(process.env.PORT ?? 3000) });
console.log(`Example shop on ${site.url} (snippet from ${icodripUrl})`);
