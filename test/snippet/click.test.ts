// @vitest-environment jsdom
import { CookieJar } from "jsdom";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { API, builtSnippet, DAY, expiresOf, lastClickServer, openPage, ORIGIN, PROGRAM, seed, type Server } from "./harness.js";

let code: string;
beforeAll(async () => {
  code = await builtSnippet();
});
afterEach(() => {
  vi.useRealTimers();
});

const refWrite = (writes: string[]) => writes.filter((w) => w.startsWith("icodrip_ref=")).at(-1)!;

describe("an affiliate code in the URL", () => {
  it("records a click with ?via= and keeps the answer in a first-party cookie until it expires", async () => {
    const expiresAt = Date.now() + 30 * DAY;
    const page = openPage(code, { path: "/pricing?via=ann", referrer: "https://blog.example/post", server: lastClickServer(expiresAt) });
    expect(await page.ready()).toBe("icd_ann_1");

    expect(page.requests).toHaveLength(1);
    const [click] = page.requests;
    expect(click.url).toBe(`${API}/t/click`);
    // No Content-Type of its own: for a string body the browser sends text/plain;charset=UTF-8,
    // a "simple" request that needs no CORS preflight.
    expect(click.init).toMatchObject({ method: "POST", keepalive: true, credentials: "omit" });
    expect(click.init.headers).toBeUndefined();
    expect(typeof click.init.body).toBe("string");
    expect(typeof click.init.body).toBe("string");
    expect(click.body).toEqual({ program: PROGRAM, code: "ann", url: `${ORIGIN}/pricing?via=ann`, referrer: "https://blog.example/post" });

    expect(page.cookie("icodrip_ref")).toBe("icd_ann_1");
    const write = refWrite(page.cookieWrites);
    expect(write).toMatch(/^icodrip_ref=icd_ann_1; Path=\/; Expires=[^;]+; SameSite=Lax; Secure$/);
    expect(Math.abs(expiresOf(write) - expiresAt)).toBeLessThan(1000);
    expect(page.icodrip).toMatchObject({ referral: "icd_ann_1", affiliate: "ann" });
    expect(page.window.location.href).toBe(`${ORIGIN}/pricing?via=ann`);
  });

  it("reads ?ref= the same way, with no referrer as null", async () => {
    const page = openPage(code, { path: "/?ref=bo" });
    expect(await page.ready()).toBe("icd_bo_1");
    expect(page.requests[0].body).toEqual({ program: PROGRAM, code: "bo", url: `${ORIGIN}/?ref=bo`, referrer: null });
  });

  it("sends the current click as existing, and a last-click answer replaces the cookie", async () => {
    const jar = new CookieJar();
    seed(jar, "icd_old", "ann");
    const page = openPage(code, { path: "/?via=bo", jar });
    expect(page.icodrip.referral).toBeNull(); // not known until the server has answered
    expect(await page.ready()).toBe("icd_bo_1");
    expect(page.requests[0].body).toMatchObject({ code: "bo", existing: "icd_old" });
    expect(page.cookie("icodrip_ref")).toBe("icd_bo_1");
    expect(page.icodrip.affiliate).toBe("bo");
  });

  it("keeps whatever click the server answers: a first-click program keeps the old one", async () => {
    const jar = new CookieJar();
    const expiresAt = Date.now() + 20 * DAY;
    seed(jar, "icd_first", "ann", expiresAt);
    const firstClick: Server = () => ({ body: { clickId: "icd_first", affiliate: "ann", expiresAt } });
    const page = openPage(code, { path: "/?via=bo", jar, server: firstClick });
    expect(await page.ready()).toBe("icd_first");
    expect(page.cookie("icodrip_ref")).toBe("icd_first");
    expect(page.icodrip.affiliate).toBe("ann");
  });

  it("stores nothing for an unknown or disabled affiliate and leaves the existing referral alone", async () => {
    const refused: Server = () => ({ status: 404, body: { error: { code: "affiliate_not_found", message: "…" } } });
    const fresh = openPage(code, { path: "/?via=nobody", server: refused });
    expect(await fresh.ready()).toBeNull();
    expect(fresh.cookieWrites).toEqual([]);

    const jar = new CookieJar();
    seed(jar, "icd_kept", "ann");
    const visited = openPage(code, { path: "/?via=nobody", jar, server: refused });
    expect(await visited.ready()).toBe("icd_kept");
    expect(visited.icodrip.affiliate).toBe("ann");
    expect(visited.cookieWrites).toEqual([]);
  });

  it("ignores an answer that carries no valid click id", async () => {
    const odd: Server = () => ({ body: { clickId: "cs_live_123", affiliate: "ann", expiresAt: Date.now() + DAY } });
    const page = openPage(code, { path: "/?via=ann", server: odd });
    expect(await page.ready()).toBeNull();
    expect(page.cookieWrites).toEqual([]);
  });

  it("leaves Secure off on a plain-http page", async () => {
    const page = openPage(code, { origin: "http://localhost:3000", path: "/?via=ann" });
    await page.ready();
    expect(refWrite(page.cookieWrites)).toMatch(/; SameSite=Lax$/);
    expect(page.cookie("icodrip_ref")).toBe("icd_ann_1");
  });

  it("posts to data-api when the file is self-hosted, and sets the cookie domain from data-domain", async () => {
    const page = openPage(code, { path: "/?via=ann", attributes: 'data-api="https://track.example.com/" data-domain="example.com"' });
    await page.ready();
    expect(page.requests[0].url).toBe("https://track.example.com/t/click");
    expect(refWrite(page.cookieWrites)).toContain("; Domain=example.com");
    expect(page.cookie("icodrip_ref")).toBe("icd_ann_1");
  });
});

describe("a click id from the /r/:code redirect", () => {
  it("is kept without a request, until icx", async () => {
    const icx = Math.floor(Date.now() / 1000) + 45 * 24 * 3600;
    const page = openPage(code, { path: `/pricing?plan=pro&icd=icd_AbC-12_x&icx=${icx}` });
    expect(page.icodrip.referral).toBe("icd_AbC-12_x"); // nothing pending: known at once
    expect(await page.ready()).toBe("icd_AbC-12_x");
    expect(page.requests).toEqual([]);
    expect(page.cookie("icodrip_ref")).toBe("icd_AbC-12_x");
    expect(expiresOf(refWrite(page.cookieWrites))).toBe(icx * 1000);
    expect(page.icodrip.affiliate).toBeNull();
    expect(page.window.location.search).toBe(`?plan=pro&icd=icd_AbC-12_x&icx=${icx}`);
  });

  it("takes the affiliate's code from ica, and ignores one that is not a code", async () => {
    const page = openPage(code, { path: "/?icd=icd_abc&ica=ann" });
    await page.ready();
    expect(page.icodrip.affiliate).toBe("ann");
    expect(page.requests).toEqual([]);
    const odd = openPage(code, { path: "/?icd=icd_abc&ica=%3Cscript%3E" });
    await odd.ready();
    expect(odd.icodrip.affiliate).toBeNull();
    expect(odd.icodrip.referral).toBe("icd_abc");
  });

  it("lasts 60 days when icx is missing", async () => {
    const before = Date.now();
    const page = openPage(code, { path: "/?icd=icd_abc" });
    await page.ready();
    const expires = expiresOf(refWrite(page.cookieWrites));
    expect(expires).toBeGreaterThanOrEqual(before + 60 * DAY - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 60 * DAY);
  });

  it("asks the server when another referral exists, and keeps its answer", async () => {
    const jar = new CookieJar();
    seed(jar, "icd_old", "ann");
    const page = openPage(code, { path: "/?icd=icd_new", jar, referrer: "https://icodrip.test/r/abc" });
    expect(await page.ready()).toBe("icd_new");
    expect(page.requests).toHaveLength(1);
    expect(page.requests[0].url).toBe(`${API}/t/click`);
    expect(page.requests[0].body).toEqual({ program: PROGRAM, clickId: "icd_new", existing: "icd_old", url: `${ORIGIN}/?icd=icd_new`, referrer: "https://icodrip.test/r/abc" });
    expect(page.cookie("icodrip_ref")).toBe("icd_new");
  });

  it("sends nothing when the click id is the one already kept (a reload)", async () => {
    const jar = new CookieJar();
    seed(jar, "icd_same", "ann");
    const page = openPage(code, { path: "/?icd=icd_same", jar });
    expect(await page.ready()).toBe("icd_same");
    expect(page.requests).toEqual([]);
    expect(page.icodrip.affiliate).toBe("ann");
  });

  it("wins over via/ref, whose click the redirect already recorded", async () => {
    const page = openPage(code, { path: "/?via=ann&icd=icd_fromlink" });
    expect(await page.ready()).toBe("icd_fromlink");
    expect(page.requests).toEqual([]);
  });

  it("is ignored when malformed", async () => {
    for (const icd of ["abc", "icd_", "icd_has space", "icd_semi;colon", "icd_%3Cscript%3E", `icd_${"a".repeat(197)}`, "ICD_upper"]) {
      const page = openPage(code, { path: `/?icd=${encodeURIComponent(icd)}` });
      expect(await page.ready(), icd).toBeNull();
      expect(page.requests, icd).toEqual([]);
      expect(page.cookieWrites, icd).toEqual([]);
    }
    const longest = `icd_${"a".repeat(196)}`;
    expect(await openPage(code, { path: `/?icd=${longest}` }).ready()).toBe(longest);
    // A malformed click id does not hide a good affiliate code.
    const withCode = openPage(code, { path: "/?icd=bad&via=ann" });
    expect(await withCode.ready()).toBe("icd_ann_1");
  });
});

describe("the cookie window", () => {
  it("ends when the cookie expires: a later visit has no referral", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const start = Date.now();
    const jar = new CookieJar();
    const landing = openPage(code, { path: "/?via=ann", jar, server: lastClickServer(start + 7 * DAY) });
    expect(await landing.ready()).toBe("icd_ann_1");
    vi.setSystemTime(start + 6 * DAY);
    expect(await openPage(code, { path: "/checkout", jar }).ready()).toBe("icd_ann_1");
    vi.setSystemTime(start + 8 * DAY);
    const later = openPage(code, { path: "/checkout", jar });
    expect(await later.ready()).toBeNull();
    expect(later.requests).toEqual([]);
  });

  it("stores nothing for a click id whose icx has passed", async () => {
    const icx = Math.floor(Date.now() / 1000) - 60;
    const page = openPage(code, { path: `/?icd=icd_stale&icx=${icx}` });
    expect(await page.ready()).toBeNull();
    expect(page.cookieWrites).toEqual([]);
  });
});

describe("where cookies do not work", () => {
  it("falls back to localStorage, with the expiry beside the value", async () => {
    const expiresAt = Date.now() + 30 * DAY;
    const page = openPage(code, { path: "/?via=ann", cookies: false, server: lastClickServer(expiresAt) });
    expect(await page.ready()).toBe("icd_ann_1");
    expect(page.document.cookie).toBe("");
    expect(JSON.parse(page.window.localStorage.getItem("icodrip_ref")!)).toEqual(["icd_ann_1", expiresAt]);
    expect(page.icodrip.affiliate).toBe("ann");
  });

  it("reads a live referral back from localStorage and ignores an expired one", async () => {
    const stored = (id: string, expiresAt: number) => (window: any) => {
      window.localStorage.setItem("icodrip_ref", JSON.stringify([id, expiresAt]));
      window.localStorage.setItem("icodrip_aff", JSON.stringify([`ann:${expiresAt}`, expiresAt]));
    };
    const live = openPage(code, { cookies: false, before: stored("icd_live", Date.now() + DAY) });
    expect(live.icodrip).toMatchObject({ referral: "icd_live", affiliate: "ann" });
    const expired = openPage(code, { cookies: false, before: stored("icd_gone", Date.now() - 1000) });
    expect(expired.icodrip.referral).toBeNull();
  });

  it("keeps the referral in memory for the page when localStorage is blocked too", async () => {
    const blocked = (window: any) => {
      Object.defineProperty(window, "localStorage", {
        get() {
          throw new window.DOMException("denied", "SecurityError");
        },
      });
    };
    const page = openPage(code, { path: "/?via=ann", cookies: false, before: blocked, body: '<a id="pay" href="https://buy.stripe.com/test_1">Pay</a>' });
    expect(await page.ready()).toBe("icd_ann_1");
    expect(page.document.getElementById("pay")!.getAttribute("href")).toBe("https://buy.stripe.com/test_1?client_reference_id=icd_ann_1");
    expect(page.errors).toEqual([]);
  });
});
