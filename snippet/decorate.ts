import { isClickId } from "./referral.js";
import { safe } from "./safe.js";

// Stripe's no-code checkouts (Payment Links, Pricing Tables, Buy Buttons) carry the click id to the
// webhook as client_reference_id. A value the merchant set (anything not one of our click ids) is
// left alone; an older click id of ours gives way to the current one.

const CHECKOUTS = 'a[href^="https://buy.stripe.com/"],stripe-pricing-table,stripe-buy-button';
const PARAM = "client_reference_id";
const ATTRIBUTE = "client-reference-id";

/**
 * Decorates the checkouts on the page, and those added later: single-page apps and late widgets
 * add checkouts after load. Only what was added is looked at (the node and what it holds), never
 * the whole document again, so a page that changes often costs the observer little. Only
 * childList is watched, so our own attribute writes never wake it.
 */
export const decorate = (id: string): void => {
  // A Payment Link is an <a> whose URL carries the parameter; the other two are Stripe's custom
  // elements, configured by attribute.
  const mark = (element: Element) => {
    const url = element.tagName == "A" && new URL((element as HTMLAnchorElement).href);
    const value = url ? url.searchParams.get(PARAM) : element.getAttribute(ATTRIBUTE);
    if (value != id && (!value || isClickId(value))) {
      if (url) {
        url.searchParams.set(PARAM, id);
        (element as HTMLAnchorElement).href = url.href;
      } else element.setAttribute(ATTRIBUTE, id);
    }
  };
  const scan = (node: Node) => {
    // Elements only (nodeType 1): text and comments hold no checkout.
    if (node.nodeType == 1) {
      if ((node as Element).matches(CHECKOUTS)) mark(node as Element);
      (node as Element).querySelectorAll(CHECKOUTS).forEach(mark);
    }
  };
  const root = document.documentElement;
  // The root element itself is never a checkout; everything else on the page is inside it.
  scan(root);
  new MutationObserver(safe((records: MutationRecord[]) => records.forEach((record) => record.addedNodes.forEach(scan)))).observe(root, {
    childList: true,
    subtree: true,
  });
};
