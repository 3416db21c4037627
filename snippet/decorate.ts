import { safe } from "./safe.js";

// Stripe's no-code checkouts (Payment Links, Pricing Tables, Buy Buttons) carry the click id to the
// webhook as client_reference_id. A value the merchant set (anything not ours) is left alone; an
// older click id of ours gives way to the current one.

const LINKS = 'a[href^="https://buy.stripe.com/"]';
const ELEMENTS = "stripe-pricing-table,stripe-buy-button";
const PARAM = "client_reference_id";
const ATTRIBUTE = "client-reference-id";

const replaceable = (value: string | null, id: string) => value != id && (!value || value.startsWith("icd_"));

export function decorate(root: ParentNode, id: string): void {
  root.querySelectorAll<HTMLAnchorElement>(LINKS).forEach((link) => {
    const url = new URL(link.href);
    if (!replaceable(url.searchParams.get(PARAM), id)) return;
    url.searchParams.set(PARAM, id);
    link.href = url.href;
  });
  root.querySelectorAll(ELEMENTS).forEach((element) => {
    if (replaceable(element.getAttribute(ATTRIBUTE), id)) element.setAttribute(ATTRIBUTE, id);
  });
}

// Single-page apps and late widgets add checkouts after load. Only childList is watched, so our
// own attribute writes never wake the observer, and an unchanged element is never touched again.
export function observe(id: string): void {
  new MutationObserver(safe(() => decorate(document, id))).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
}
