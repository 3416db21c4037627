import { isIP } from "node:net";

// Stripe delivers webhooks over the public internet, so an Icodrip whose PUBLIC_URL names this
// machine or a private network never receives them, however well the rest is set up. The
// integrations page says so instead of promising that events arrive.

const PRIVATE_V4 = [/^10\./, /^127\./, /^192\.168\./, /^172\.(1[6-9]|2\d|3[01])\./, /^169\.254\./, /^0\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./];
const PRIVATE_NAMES = /(^|\.)(localhost|local|internal|lan|home\.arpa|test|example|invalid)$/i;

/**
 * Why Stripe cannot reach this public URL, or null when it may. With STRIPE_API_URL pointed at a
 * local stand-in (the sandbox of `npm run demo`), "Stripe" runs beside Icodrip and reaches it.
 */
export function unreachableByStripe(publicUrl: string, stripeApiUrl = "https://api.stripe.com"): string | null {
  if (new URL(stripeApiUrl).hostname !== "api.stripe.com") return null;
  const { hostname, protocol } = new URL(publicUrl);
  const host = hostname.replace(/^\[|\]$/g, "");
  const kind = isIP(host);
  const isPrivate =
    kind === 4
      ? PRIVATE_V4.some((re) => re.test(host))
      : kind === 6
        ? host === "::1" || host === "::" || /^f[cd]/i.test(host) || /^fe[89ab]/i.test(host)
        : PRIVATE_NAMES.test(host) || !host.includes(".");
  if (isPrivate) {
    return `PUBLIC_URL is ${new URL(publicUrl).origin}, an address Stripe cannot reach, so Stripe's events will not arrive here. Set PUBLIC_URL to this server's public https address, or while testing forward events with the Stripe CLI: stripe listen --forward-to ${new URL("/webhooks/stripe", publicUrl)}`;
  }
  if (protocol !== "https:") return `PUBLIC_URL is ${new URL(publicUrl).origin}; Stripe delivers live-mode events only to https endpoints. Serve Icodrip over https before connecting a live account.`;
  return null;
}
