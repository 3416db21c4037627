// @vitest-environment jsdom
import { CookieJar } from "jsdom";
import { beforeAll, describe, expect, it } from "vitest";
import { parseReferral } from "../../middleware/parse-referral.js";
import { API, builtSnippet, DAY, expiresOf, lastClickServer, nextMutation, openPage, PROGRAM, seed, type Server } from "./harness.js";

let code: string;
beforeAll(async () => {
  code = await builtSnippet();
});

const STUB = "window.icodrip=window.icodrip||{q:[],ready:function(c){this.q.push(c)}};";

const CHECKOUTS = `
  <a id="plain" href="https://buy.stripe.com/test_1">Buy</a>
  <a id="query" href="https://buy.stripe.com/test_2?prefilled_email=a%40b.com&locale=fr">Buy</a>
  <a id="merchant" href="https://buy.stripe.com/test_3?client_reference_id=order_42">Buy</a>
  <a id="stale" href="https://buy.stripe.com/test_4?client_reference_id=icd_older">Buy</a>
  <a id="other" href="https://example.com/buy?x=1">Elsewhere</a>
  <stripe-pricing-table id="table" pricing-table-id="prctbl_1" publishable-key="pk_test_1"></stripe-pricing-table>
  <stripe-buy-button id="button" buy-button-id="buy_btn_1"></stripe-buy-button>
  <stripe-buy-button id="own-button" buy-button-id="buy_btn_2" client-reference-id="cart-7"></stripe-buy-button>`;

const href = (page: { document: Document }, id: string) => page.document.getElementById(id)!.getAttribute("href");
const reference = (page: { document: Document }, id: string) => page.document.getElementById(id)!.getAttribute("client-reference-id");

describe("decorating Stripe checkouts", () => {
  it("adds the click id to Payment Links, keeping their query and any reference of the merchant's", async () => {
    const page = openPage(code, { path: "/?via=ann", body: CHECKOUTS });
    await page.ready();
    expect(href(page, "plain")).toBe("https://buy.stripe.com/test_1?client_reference_id=icd_ann_1");
    const query = new URL(href(page, "query")!);
    expect(Object.fromEntries(query.searchParams)).toEqual({ prefilled_email: "a@b.com", locale: "fr", client_reference_id: "icd_ann_1" });
    expect(href(page, "merchant")).toBe("https://buy.stripe.com/test_3?client_reference_id=order_42");
    expect(href(page, "stale")).toBe("https://buy.stripe.com/test_4?client_reference_id=icd_ann_1");
    expect(href(page, "other")).toBe("https://example.com/buy?x=1");
  });

  it("sets client-reference-id on Pricing Tables and Buy Buttons, unless the merchant set one", async () => {
    const page = openPage(code, { path: "/?via=ann", body: CHECKOUTS });
    await page.ready();
    expect(reference(page, "table")).toBe("icd_ann_1");
    expect(reference(page, "button")).toBe("icd_ann_1");
    expect(reference(page, "own-button")).toBe("cart-7");
  });

  it("decorates checkouts added after load", async () => {
    const page = openPage(code, { path: "/?icd=icd_late" });
    await page.ready();
    const { document } = page;
    const delivered = nextMutation(page.window);
    const section = document.createElement("section");
    section.innerHTML = '<a id="late" href="https://buy.stripe.com/test_9?a=1">Buy</a><stripe-pricing-table id="late-table"></stripe-pricing-table>';
    document.body.append(section);
    await delivered;
    expect(href(page, "late")).toBe("https://buy.stripe.com/test_9?a=1&client_reference_id=icd_late");
    expect(reference(page, "late-table")).toBe("icd_late");
  });

  it("looks only at what was added, never the whole document again", async () => {
    const page = openPage(code, { path: "/?icd=icd_late", body: CHECKOUTS });
    await page.ready();
    const { document } = page;
    // A checkout the merchant's script changed in place after load, without adding a node: a
    // rescan of the document would decorate it again; looking at added nodes leaves it.
    const plain = document.getElementById("plain") as HTMLAnchorElement;
    plain.href = "https://buy.stripe.com/test_1";
    const delivered = nextMutation(page.window);
    const added = document.createElement("a");
    added.id = "added";
    added.href = "https://buy.stripe.com/test_8";
    document.body.append(added);
    await delivered;
    expect(href(page, "added")).toBe("https://buy.stripe.com/test_8?client_reference_id=icd_late");
    expect(href(page, "plain")).toBe("https://buy.stripe.com/test_1");
  });

  it("waits for the server's answer before decorating, and then uses the kept click", async () => {
    const jar = new CookieJar();
    seed(jar, "icd_first", "ann");
    const firstClick: Server = () => ({ body: { clickId: "icd_first", affiliate: "ann", expiresAt: Date.now() + DAY } });
    const page = openPage(code, { path: "/?via=bo", jar, server: firstClick, body: CHECKOUTS });
    expect(href(page, "plain")).toBe("https://buy.stripe.com/test_1");
    await page.ready();
    expect(href(page, "plain")).toBe("https://buy.stripe.com/test_1?client_reference_id=icd_first");
  });

  it("touches nothing without a referral, then or later", async () => {
    const page = openPage(code, { path: "/pricing", body: CHECKOUTS });
    expect(await page.ready()).toBeNull();
    const before = page.document.body.innerHTML;
    const delivered = nextMutation(page.window);
    page.document.body.insertAdjacentHTML("beforeend", '<a id="late" href="https://buy.stripe.com/test_9">Buy</a>');
    await delivered;
    expect(href(page, "late")).toBe("https://buy.stripe.com/test_9");
    expect(page.document.body.innerHTML).toBe(`${before}<a id="late" href="https://buy.stripe.com/test_9">Buy</a>`);
    expect(page.requests).toEqual([]);
    expect(page.cookieWrites).toEqual([]);
  });
});

describe("window.icodrip.ready", () => {
  it("calls back at once when nothing is pending", () => {
    const page = openPage(code, { path: "/?icd=icd_now" });
    const seen: unknown[] = [];
    page.icodrip.ready((referral: string) => seen.push(referral));
    expect(seen).toEqual(["icd_now"]);
  });

  it("calls back after the click request has finished", async () => {
    const page = openPage(code, { path: "/?via=ann" });
    const seen: unknown[] = [];
    page.icodrip.ready((referral: string) => seen.push(referral));
    expect(seen).toEqual([]);
    await page.ready();
    expect(seen).toEqual(["icd_ann_1"]);
  });

  it("drains the queue of the stub that ran before the script loaded", async () => {
    const seen: unknown[] = [];
    const page = openPage(code, {
      path: "/?via=ann",
      before: (window: any) => {
        window.eval(STUB);
        window.icodrip.ready((referral: string) => seen.push(["first", referral, window.icodrip.affiliate]));
        window.icodrip.ready(() => seen.push(["second"]));
      },
    });
    expect(seen).toEqual([]);
    await page.ready();
    expect(seen).toEqual([["first", "icd_ann_1", "ann"], ["second"]]);
    expect(page.icodrip.q).toBeUndefined();
  });

  it("still answers (with null) when the page has no referral", async () => {
    const seen: unknown[] = [];
    openPage(code, { before: (window: any) => (window.eval(STUB), window.icodrip.ready((r: unknown) => seen.push(r))) });
    expect(seen).toEqual([null]);
  });
});

describe("window.icodrip.lead", () => {
  it("posts the email with the click id and adds it to the cookie, keeping the expiry", async () => {
    const expiresAt = Date.now() + 30 * DAY;
    const page = openPage(code, { path: "/?via=ann", server: lastClickServer(expiresAt) });
    await page.ready();
    page.icodrip.lead("  Buyer+shop@Example.com ");
    const lead = page.requests.at(-1)!;
    expect(lead.url).toBe(`${API}/t/lead`);
    // No Content-Type of its own: for a string body the browser sends text/plain;charset=UTF-8,
    // a "simple" request that needs no CORS preflight.
    expect(lead.init).toMatchObject({ method: "POST", keepalive: true, credentials: "omit" });
    expect(lead.init.headers).toBeUndefined();
    expect(typeof lead.init.body).toBe("string");
    expect(lead.body).toEqual({ program: PROGRAM, clickId: "icd_ann_1", email: "Buyer+shop@Example.com" });
    expect(page.cookie("icodrip_ref")).toBe("icd_ann_1:Buyer%2Bshop%40Example.com");
    expect(expiresOf(page.cookieWrites.at(-1)!)).toBe(expiresOf(page.cookieWrites.find((w) => w.startsWith("icodrip_ref="))!));
    // The merchant's server reads exactly this value.
    expect(parseReferral(page.cookie("icodrip_ref"))).toEqual({ clickId: "icd_ann_1", email: "Buyer+shop@Example.com" });
  });

  it("keeps the email on a later page and through a new click", async () => {
    const jar = new CookieJar();
    const first = openPage(code, { path: "/?via=ann", jar });
    await first.ready();
    first.icodrip.lead("o'neil@example.co.uk");
    const later = openPage(code, { path: "/account", jar });
    expect(later.icodrip.referral).toBe("icd_ann_1");
    later.icodrip.lead("o'neil@example.co.uk");
    expect(later.requests).toEqual([]); // already known: not sent twice
    const again = openPage(code, { path: "/?via=bo", jar });
    await again.ready();
    expect(again.cookie("icodrip_ref")).toBe("icd_bo_1:o'neil%40example.co.uk");
    expect(parseReferral(again.cookie("icodrip_ref"))).toEqual({ clickId: "icd_bo_1", email: "o'neil@example.co.uk" });
  });

  it("waits for a pending click instead of losing the lead", async () => {
    const page = openPage(code, { path: "/?via=ann" });
    page.icodrip.lead("buyer@example.com");
    expect(page.requests.map((r) => r.url)).toEqual([`${API}/t/click`]);
    await page.ready();
    expect(page.requests.map((r) => r.body)).toEqual([expect.objectContaining({ code: "ann" }), { program: PROGRAM, clickId: "icd_ann_1", email: "buyer@example.com" }]);
  });

  it("does nothing without a referral or with an address the middleware would refuse", async () => {
    const none = openPage(code);
    none.icodrip.lead("buyer@example.com");
    expect(none.requests).toEqual([]);
    expect(none.cookieWrites).toEqual([]);

    const page = openPage(code, { path: "/?icd=icd_x" });
    const writes = page.cookieWrites.length;
    for (const bad of ["", "buyer", "a@b", "a b@example.com", "a..b@example.com", ".a@example.com", "a.@example.com", "a@example..com", "a@.example.com", "a@example.com.", "a@-example.com", "a@example.c0m", `${"a".repeat(65)}@example.com`, `${"a".repeat(60)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(63)}.com`, '"q"@example.com', "a;b@example.com", null, 42]) {
      page.icodrip.lead(bad);
    }
    expect(page.requests).toEqual([]);
    expect(page.cookieWrites).toHaveLength(writes);
    expect(page.cookie("icodrip_ref")).toBe("icd_x");
  });

  it("sends the lead but leaves the cookie alone when its expiry is unknown", () => {
    const jar = new CookieJar();
    jar.setCookieSync(`icodrip_ref=icd_bare; Path=/; Expires=${new Date(Date.now() + DAY).toUTCString()}`, "https://shop.example.com");
    const page = openPage(code, { jar });
    page.icodrip.lead("buyer@example.com");
    expect(page.requests.map((r) => r.body)).toEqual([{ program: PROGRAM, clickId: "icd_bare", email: "buyer@example.com" }]);
    expect(page.cookieWrites).toEqual([]); // rewriting it would stretch or shrink the cookie window
  });

  it("stores only emails the middleware accepts", () => {
    const emails = ["a@example.com", "first.last@sub.example.org", "x_y-z@a-b.io", "weird!#$%&'*+/=?^`{|}~-@example.com", "UPPER@EXAMPLE.COM", "a@b.co", "-a.b-@x-y.example", `${"a".repeat(64)}@example.com`];
    for (const email of emails) {
      const page = openPage(code, { path: "/?icd=icd_x" });
      page.icodrip.lead(email);
      expect(parseReferral(page.cookie("icodrip_ref")), email).toEqual({ clickId: "icd_x", email });
    }
  });
});

describe("robustness", () => {
  it("never lets an exception reach the page", async () => {
    const throwing = (window: any) => {
      window.fetch = () => {
        throw new TypeError("fetch is blocked");
      };
      window.eval(STUB);
      window.icodrip.ready(() => {
        throw new Error("merchant bug in a queued callback");
      });
    };
    const jar = new CookieJar();
    seed(jar, "icd_kept", "ann");
    const seen: unknown[] = [];
    let page!: ReturnType<typeof openPage>;
    expect(() => {
      page = openPage(code, { path: "/?via=ann", jar, before: throwing, body: CHECKOUTS });
    }).not.toThrow();
    expect(await page.ready()).toBe("icd_kept");
    expect(() =>
      page.icodrip.ready(() => {
        throw new Error("merchant bug");
      }),
    ).not.toThrow();
    page.icodrip.ready((r: unknown) => seen.push(r));
    expect(seen).toEqual(["icd_kept"]);
    expect(() => page.icodrip.lead("buyer@example.com")).not.toThrow();

    // A failure inside the MutationObserver callback stays inside too.
    const delivered = nextMutation(page.window);
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- replaced, not called; the deprecation is one overload's
    page.document.querySelectorAll = () => {
      throw new Error("broken DOM");
    };
    page.document.body.append(page.document.createElement("div"));
    await delivered;
    expect(page.errors).toEqual([]);
  });

  it("survives a server that answers garbage or a network that fails", async () => {
    const garbage: Server = () => ({ body: "not json at all" });
    const page = openPage(code, { path: "/?via=ann", server: garbage });
    expect(await page.ready()).toBeNull();
    const offline = openPage(code, {
      path: "/?via=ann",
      before: (window: any) => (window.fetch = () => Promise.reject(new TypeError("Failed to fetch"))),
    });
    expect(await offline.ready()).toBeNull();
    expect([...page.errors, ...offline.errors]).toEqual([]);
  });

  it("does nothing for a crawler, though the global still answers", async () => {
    const googlebot = (window: any) =>
      Object.defineProperty(window.navigator, "userAgent", { value: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" });
    const page = openPage(code, { path: "/?via=ann", before: googlebot, body: CHECKOUTS });
    expect(await page.ready()).toBeNull();
    expect(page.requests).toEqual([]);
    expect(page.cookieWrites).toEqual([]);
    expect(href(page, "plain")).toBe("https://buy.stripe.com/test_1");
    for (const ua of ["facebookexternalhit/1.1", "Mozilla/5.0 (compatible; bingbot/2.0)", "Chrome-Lighthouse", "Slackbot-LinkExpanding 1.0"]) {
      const bot = openPage(code, { path: "/?via=ann", before: (w: any) => Object.defineProperty(w.navigator, "userAgent", { value: ua }) });
      expect(bot.requests, ua).toEqual([]);
    }
  });

  it("tracks an automated real browser (headless Chromium under Playwright)", async () => {
    const playwright = (window: any) => {
      Object.defineProperty(window.navigator, "userAgent", { value: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36" });
      Object.defineProperty(window.navigator, "webdriver", { value: true });
    };
    const page = openPage(code, { path: "/?via=ann", before: playwright });
    expect(await page.ready()).toBe("icd_ann_1");
  });

  it("records one click when the script is included twice", async () => {
    const page = openPage(code, { path: "/?via=ann" });
    page.window.eval(code);
    await page.ready();
    expect(page.requests).toHaveLength(1);
  });

  it("stays inert without a program key, or inline without data-api", () => {
    const pages = [
      openPage(code, { path: "/?via=ann", before: (window: any) => window.document.querySelector("script")!.removeAttribute("data-program") }),
      openPage(code, { path: "/?via=ann", before: (window: any) => window.document.querySelector("script")!.removeAttribute("src") }),
    ];
    for (const page of pages) {
      expect(page.requests).toEqual([]);
      expect(page.icodrip.referral).toBeNull();
    }
  });

  it("cuts an overlong landing URL to what the server accepts", async () => {
    const page = openPage(code, { path: `/?via=ann&q=${"x".repeat(3000)}` });
    await page.ready();
    expect(page.requests[0].body.url).toHaveLength(2000);
  });
});
