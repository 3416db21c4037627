import { safe } from "./safe.js";

// Stripe's no-code checkouts (Payment Links, Pricing Tables, Buy Buttons) carry the click id to the
// webhook as client_reference_id. A value the merchant set (anything not ours) is left alone; an
// older click id of ours gives way to the current one.

const CHECKOUTS = 'a[href^="https://buy.stripe.com/"],stripe-pricing-table,stripe-buy-button';
const PARAM = "client_reference_id";
const ATTRIBUTE = "client-reference-id";

const replaceable = (value: string | null, id: string) => value != id && (!value || value.startsWith("icd_"));

// A Payment Link is an <a>; the other two are Stripe's custom elements, configured by attribute.
function mark(element: Element, id: string): void {
  if (element.tagName == "A") {
    const link = element as HTMLAnchorElement;
    const url = new URL(link.href);
    if (replaceable(url.searchParams.get(PARAM), id)) {
      url.searchParams.set(PARAM, id);
      link.href = url.href;
    }
  } else if (replaceable(element.getAttribute(ATTRIBUTE), id)) element.setAttribute(ATTRIBUTE, id);
}

export function decorate(root: ParentNode, id: string): void {
  root.querySelectorAll(CHECKOUTS).forEach((element) => mark(element, id));
}

// Single-page apps and late widgets add checkouts after load. Only what was added is looked at
// (the node and what it holds), never the whole document again, so a page that changes often
// costs the observer little. Only childList is watched, so our own attribute writes never wake it.
export function observe(id: string): void {
  new MutationObserver(
    safe((records: MutationRecord[]) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          // Elements only (nodeType 1): text and comments hold no checkout.
          if (node.nodeType != 1) continue;
          if ((node as Element).matches(CHECKOUTS)) mark(node as Element, id);
          decorate(node as Element, id);
        }
      }
    }),
  ).observe(document.documentElement, { childList: true, subtree: true });
}
