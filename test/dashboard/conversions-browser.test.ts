import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { currencyDecimals } from "../../server/domain/currency.js";
import { newId } from "../../server/domain/ids.js";
import { formatMoney } from "../../server/domain/money-format.js";
import { launchChromium, memberPage, SCREENSHOTS } from "../support/browser.js";
import { services } from "../support/services.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { embeddedKind } from "../support/stores.js";
import { seedConversions, type Seeded } from "./conversions-seed.js";
import { SERVER_ENV } from "./support.js";

// The Conversions tab in real Chromium, in New York time: filter by an affiliate and a date
// range, read the totals, download the CSV and find in it the very rows the table shows; the
// webhook log reads its amounts by currency; and every page a merchant or an affiliate opens
// fits a 360 px phone with no sideways scroll (screenshots at 1280 and 360 px in
// test-results/screenshots, which git ignores).

const ZONE = "America/New_York";

/** RFC 4180 lines as csv.ts writes them (the test's data has no quoted cells with line breaks). */
function parseCsv(text: string): Record<string, string>[] {
  const cells = (line: string) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => (m[1].startsWith('"') ? m[1].slice(1, -1).replaceAll('""', '"') : m[1]));
  const [header, ...rows] = text.split("\r\n").filter(Boolean).map(cells);
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""])));
}

/** "49.00" usd → 4900: the CSV's major units back in minor units. */
const minor = (major: string, currency: string) => Math.round(Number(major) * 10 ** currencyDecimals(currency));

describe.runIf(services.chromium)("the Conversions tab's filters, totals and CSV, and every page at 360 px, in a real browser", () => {
  let server: TestServer;
  let browser: Browser;
  let s: Seeded;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    server = await startTestServer(embeddedKind, { ...SERVER_ENV, ICODRIP_SIGNUP: "open" });
    browser = await launchChromium();
    s = await seedConversions(server);
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await browser?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await server?.stop();
  });

  function signedIn(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    return memberPage(browser, server.url, s.m.cookie, { timezoneId: ZONE, locale: "en-US", acceptDownloads: true });
  }

  it("filters by an affiliate and a date range, totals the match per currency, and downloads the same rows as CSV", async () => {
    const { context, page, errors } = await signedIn();
    await page.goto(`${server.url}/dashboard/conversions`);
    const form = page.locator("form#filters");
    await form.getByLabel("Affiliate").selectOption(s.m.affiliate.id);
    await form.getByLabel("From (UTC day)").fill(s.days[1]);
    await form.getByLabel("To (UTC day)").fill(s.days[2]);
    await form.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL((url) => url.searchParams.get("affiliateId") === s.m.affiliate.id && url.searchParams.get("from") === s.days[1]);

    // What the API says the filter selects, to hold the page to.
    const api = await server.api("GET", `/api/v1/conversions?affiliateId=${s.m.affiliate.id}&from=${s.days[1]}&to=${s.days[2]}&limit=100`, { key: s.m.key });
    const expected = api.body.data as { id: string; amount: number; currency: string; commission: { amount: number; currency: string } }[];
    expect(expected.map((c) => c.currency).sort()).toEqual(["eur", "jpy", "usd"]);

    const rows = page.locator("#conversions tbody tr[data-id]");
    expect(await rows.count()).toBe(expected.length);
    const table = await rows.evaluateAll((trs) =>
      trs.map((tr) => {
        const cell = (label: string) => tr.querySelector(`td[data-label="${label}"]`)?.textContent.trim() ?? "";
        return {
          id: tr.getAttribute("data-id") ?? "",
          paid: tr.querySelector("time")?.getAttribute("datetime") ?? "",
          mode: cell("Mode"),
          amount: cell("Amount"),
          commission: cell("Commission"),
          status: cell("Status"),
          affiliate: cell("Affiliate"),
        };
      }),
    );
    expect(table.map((r) => r.id)).toEqual(expected.map((c) => c.id));

    // The totals row per currency: every row of the match (here all on one page) added up.
    for (const cur of ["eur", "jpy", "usd"]) {
      const of = expected.filter((c) => c.currency === cur);
      const cells = await page.locator(`#totals tr[data-currency="${cur}"] > *`).allTextContents();
      expect(cells.map((t) => t.trim())).toEqual([
        cur.toUpperCase(),
        String(of.length),
        formatMoney(of.reduce((n, c) => n + c.amount, 0), cur),
        formatMoney(0, cur),
        formatMoney(of.reduce((n, c) => n + c.commission.amount, 0), cur),
      ]);
    }
    expect(await page.locator("#totals tr[data-currency]").count()).toBe(3);

    // The download carries the filters on screen; its rows are the table's, cell for cell.
    const link = page.getByRole("link", { name: "Download CSV" });
    expect(await link.getAttribute("href")).toBe(`/api/v1/conversions/export.csv?affiliateId=${s.m.affiliate.id}&from=${s.days[1]}&to=${s.days[2]}`);
    const [download] = await Promise.all([page.waitForEvent("download"), link.click()]);
    expect(download.suggestedFilename()).toMatch(/^conversions-\d{4}-\d{2}-\d{2}\.csv$/);
    const file = parseCsv(readFileSync(await download.path(), "utf8"));
    expect(file.map((r) => r.id)).toEqual(table.map((r) => r.id));
    for (const [i, r] of file.entries()) {
      const shown = table[i];
      expect(r.paid_at).toBe(shown.paid);
      expect(r.livemode === "true" ? "live" : "test").toBe(shown.mode);
      expect(formatMoney(minor(r.amount, r.currency), r.currency)).toBe(shown.amount);
      expect(formatMoney(minor(r.commission, r.currency), r.currency)).toBe(shown.commission);
      expect(shown.status).toContain(r.status);
      expect(r.affiliate_id).toBe(s.m.affiliate.id);
      expect(shown.affiliate).toContain(s.m.affiliate.code);
    }

    // Times in New York, their UTC in the tooltip.
    const time = page.locator("#conversions time[datetime]").first();
    await time.and(page.locator("[data-local]")).waitFor();
    const iso = (await time.getAttribute("datetime")) ?? "";
    expect(await time.textContent()).toBe(new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: ZONE }).format(new Date(iso)));
    expect(await time.getAttribute("title")).toBe(`${iso.slice(0, 16).replace("T", " ")} UTC`);

    // A bad filter in the URL is a notice on the page, not an error page.
    await page.goto(`${server.url}/dashboard/conversions?affiliateId=aff_gone&to=2026-02-31`);
    const notice = page.locator("#filter-error");
    expect(await notice.textContent()).toContain("There is no affiliate aff_gone in this workspace");
    expect(await notice.textContent()).toContain("The to date filter was not applied");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("writes the webhook log's amounts by currency, old sentences too, and its times in the reader's zone", async () => {
    // A delivery logged before the sentences used the money formatter.
    await server.store.addDelivery({
      id: newId("whd"), workspaceId: s.m.workspaceId, eventId: "evt_old_sentence", type: "checkout.session.completed", accountId: s.m.accountId,
      livemode: false, apiVersion: "2026-10-28.endive", receivedAt: Date.now(), outcome: "processed",
      message: "Payment 4900 usd from Checkout Session cs_old credited to ann; commission 1470 usd.",
    });
    const { context, page, errors } = await signedIn();
    await page.goto(`${server.url}/dashboard/webhooks`);
    const old = page.getByRole("row").filter({ hasText: "evt_old_sentence" });
    expect(await old.locator("td.message").textContent()).toContain("Payment $49.00 from Checkout Session cs_old credited to ann; commission $14.70.");
    const messages = await page.locator("td.message").allTextContents();
    expect(messages.some((t) => /^Payment \$100\.00 from Checkout Session .* commission \$30\.00/.test(t))).toBe(true);
    expect(messages.some((t) => /€20\.00/.test(t))).toBe(true);
    expect(messages.filter((t) => /\b\d+ (usd|eur|jpy)\b/.test(t))).toEqual([]);
    const time = old.locator("time");
    await time.and(page.locator("[data-local]")).waitFor();
    const iso = (await time.getAttribute("datetime")) ?? "";
    expect(await time.textContent()).toBe(new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: ZONE }).format(new Date(iso)));
    expect(await time.getAttribute("title")).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("fits every dashboard, sign-in and portal page into 360 px with no sideways scroll", async () => {
    await server.api("PATCH", `/api/v1/programs/${s.m.program.id}`, { key: s.m.key, body: { join: "open" } });
    await server.api("POST", "/api/v1/links", { key: s.m.key, body: { affiliateId: s.m.affiliate.id, path: "/a/very/long/landing/page/that/goes/on/and/on?with=query&and=more" } });
    const portalLink = await server.api("POST", `/api/v1/affiliates/${s.m.affiliate.id}/portal-link`, { key: s.m.key });
    expect(portalLink.status).toBe(201);

    const member = await signedIn();
    const visitor = await browser.newContext({ timezoneId: ZONE, locale: "en-US" });
    const affiliate = await browser.newContext({ timezoneId: ZONE, locale: "en-US" });
    const affiliatePage = await affiliate.newPage();
    await affiliatePage.goto(portalLink.body.url as string);
    await affiliatePage.getByRole("button", { name: "Sign in" }).click();
    await affiliatePage.waitForURL(`${server.url}/portal`);

    const pages: [string, Page, string][] = [
      ["overview", member.page, "/dashboard/overview"],
      ["conversions", member.page, "/dashboard/conversions"],
      ["programs", member.page, "/dashboard/programs"],
      ["affiliates", member.page, "/dashboard/affiliates"],
      ["affiliate", member.page, `/dashboard/affiliates/${s.m.affiliate.id}`],
      ["payouts", member.page, "/dashboard/payouts"],
      ["clicks", member.page, "/dashboard/clicks"],
      ["webhooks", member.page, "/dashboard/webhooks"],
      ["integrations", member.page, "/dashboard/settings/integrations"],
      ["account", member.page, "/dashboard/settings/account"],
      ["login", await visitor.newPage(), "/login"],
      ["signup", await visitor.newPage(), "/signup"],
      ["join", await visitor.newPage(), `/join/${s.m.program.key}`],
      ["portal-login", await visitor.newPage(), "/portal/login"],
      ["portal", affiliatePage, "/portal"],
    ];
    const widths: Record<string, number> = {};
    for (const [name, page, path] of pages) {
      for (const width of [1280, 360]) {
        await page.setViewportSize({ width, height: 900 });
        const res = await page.goto(server.url + path);
        expect(res?.status(), `${name} answers`).toBe(200);
        expect(new URL(page.url()).pathname, `${name} is not redirected`).toBe(path.split("?")[0]);
        await page.screenshot({ path: join(SCREENSHOTS, `${name}-${width}.png`), fullPage: true });
        if (width === 360) widths[name] = await page.evaluate(() => document.documentElement.scrollWidth);
      }
    }
    expect(Object.keys(widths)).toHaveLength(pages.length);
    for (const [name, width] of Object.entries(widths)) expect(width, `${name} at 360 px`).toBeLessThanOrEqual(360);

    // At 360 px a conversion is a block of labelled lines, not a table row wider than the screen.
    await member.page.goto(`${server.url}/dashboard/conversions`);
    const cell = member.page.locator('#conversions td[data-label="Amount"]').first();
    expect(await cell.evaluate((td) => getComputedStyle(td).display)).not.toBe("table-cell");
    expect(await cell.evaluate((td) => td.getBoundingClientRect().right)).toBeLessThanOrEqual(360);
    expect(await cell.evaluate((td) => getComputedStyle(td, "::before").content)).toBe('"Amount"');
    expect(member.errors).toEqual([]);
    await Promise.all([member.context.close(), visitor.close(), affiliate.close()]);
  });
});
