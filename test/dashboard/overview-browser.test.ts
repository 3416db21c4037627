import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotWidths, watchErrors } from "../support/browser.js";
import { services } from "../support/services.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { embeddedKind } from "../support/stores.js";
import { click, merchant, pay, PASSWORD, seedThreeDays, SERVER_ENV } from "./support.js";

// The Overview in real Chromium: the chart draws a bar on each seeded day and none on the others,
// the tiles follow a payment made while the page is open (no reload), and the page fits a phone.
// Screenshots at 1280 and 360 px go to test-results/screenshots (not committed).

describe.runIf(services.chromium)("the overview in a real browser", () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer(embeddedKind, SERVER_ENV);
    browser = await launchChromium();
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await browser?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await server?.stop();
  });

  it("charts the seeded days, follows a new payment while open, and fits 360 px", async () => {
    const m = await merchant(server);
    const days = await seedThreeDays(server, m);
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(8_000);
    const errors = watchErrors(page);
    await page.goto(`${server.url}/login?next=${encodeURIComponent("/dashboard/overview?range=30&mode=test")}`);
    await page.getByLabel("Email").fill(m.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard\/overview\?range=30&mode=test$/);

    // The drawn bars, as the browser laid them out: height per day of the clicks chart.
    const heights = await page.locator("figure.chart.clicks g[data-date]").evaluateAll((groups) =>
      groups.map((g) => [g.getAttribute("data-date"), (g.querySelector("rect:last-child") as SVGRectElement).getBBox().height] as const),
    );
    expect(heights).toHaveLength(30);
    const drawn = heights.filter(([, h]) => h > 0).map(([d]) => d);
    expect(drawn).toEqual(days);
    const byDay = new Map(heights);
    // 3 clicks ten days ago, 2 three days ago, 1 today: the bars keep that order.
    expect(byDay.get(days[0])).toBeGreaterThan(byDay.get(days[1]) ?? 0);
    expect(byDay.get(days[1])).toBeGreaterThan(byDay.get(days[2]) ?? 0);
    expect(await page.locator("figure.chart.clicks svg").getAttribute("aria-label")).toContain(`to ${days[2]}`);

    const widths = await screenshotWidths(page, "overview-chart");
    for (const width of [1280, 360] as const) expect(widths[width], `page width at ${width}`).toBeLessThanOrEqual(width);

    // A payment while the page is open: the conversions tile moves from 3 to 4 without a reload.
    const tile = page.locator("#total-conversions strong");
    expect(await tile.textContent()).toBe("3");
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
    await pay(server, m, { amount: 1_000, clickId: await click(server, m) });
    await expect.poll(() => tile.textContent(), { timeout: 8_000 }).toBe("4");
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);
    expect(errors).toEqual([]);
  });
});
