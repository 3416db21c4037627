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
  // A Payment Link is an <a> whose query carries the parameter; the other two are Stripe's custom
  // elements, configured by attribute. The link's query is read and written through its own search
  // property: what URLSearchParams serializes needs no further encoding, so the link ends as it
  // would through a URL object, its other parameters and fragment kept.
  const mark = (element: Element) => {
    const query = element.tagName == "A" && new URLSearchParams((element as HTMLAnchorElement).search);
    const value = query ? query.get(PARAM) : element.getAttribute(ATTRIBUTE);
    if (value != id && (!value || isClickId(value))) {
      if (query) {
        query.set(PARAM, id);
        // The setter turns the params into their string form itself; the cast only tells TypeScript.
        (element as HTMLAnchorElement).search = query as unknown as string;
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
