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
  // Text and comments have neither method, so they are passed over; the document has only the
  // second, which makes it a valid start (and spares naming documentElement).
  const scan = (node: Node | Document) => {
    if ((node as Partial<Element>).matches?.(CHECKOUTS)) mark(node as Element);
    (node as Partial<ParentNode>).querySelectorAll?.(CHECKOUTS).forEach(mark);
  };
  scan(document);
  new MutationObserver(safe((records: MutationRecord[]) => records.forEach((record) => record.addedNodes.forEach(scan)))).observe(document, {
    childList: true,
    subtree: true,
  });
};
