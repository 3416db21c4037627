import { readFileSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotWidths, watchErrors } from "../support/browser.js";
import { services } from "../support/services.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { embeddedKind } from "../support/stores.js";
import { click, merchant, pay, PASSWORD, SERVER_ENV } from "../dashboard/support.js";

// Payouts in real Chromium: the merchant sees what is due, creates the payouts, downloads the
// PayPal file (read back cell by cell), marks the payout paid with a reference; the affiliate's
// portal, signed in with a portal link, shows it paid. Screenshots at 1280 and 360 px go to
// test-results/screenshots (not committed).

/** RFC 4180 cells of a CSV file (quoted fields with commas or doubled quotes). */
function cells(csv: string): string[][] {
  return csv.split("\r\n").filter(Boolean).map((line) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(?:,|$)/g)].map((m) => m[1].replace(/^"|"$/g, "").replace(/""/g, '"')).slice(0, -1));
}

describe.runIf(services.chromium)("payouts in a real browser", () => {
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

  it("creates payouts, downloads the PayPal file, marks paid; the affiliate's portal shows it paid", async () => {
    const m = await merchant(server);
    await server.api("PATCH", `/api/v1/programs/${m.program.id}`, { key: m.key, body: { holdDays: 0 } });
    await server.store.updateAffiliate(m.workspaceId, m.affiliate.id, { payoutMethod: { type: "paypal", email: "ann@paypal.example" } });
    await pay(server, m, { amount: 4_900, clickId: await click(server, m), paymentIntent: "pi_e2e_payout_a" });
    await pay(server, m, { amount: 10_000, clickId: await click(server, m), paymentIntent: "pi_e2e_payout_b" });

    const context = await browser.newContext({ acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    const errors = watchErrors(page);
    await page.goto(`${server.url}/login?next=/dashboard/payouts`);
    await page.getByLabel("Email").fill(m.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.url}/dashboard/payouts`);
    // 30 % of $49.00 and of $100.00, due at once (no hold).
    expect(await page.locator('#due li[data-currency="usd"]').textContent()).toBe("$44.70 in 1 payout");

    await page.getByRole("button", { name: "Create payouts" }).click();
    await page.getByText("1 payout created.").waitFor();
    const row = page.locator("#payouts tbody tr").first();
    expect(await row.getAttribute("data-status")).toBe("pending");
    expect(await row.textContent()).toContain("$44.70");
    expect(await row.textContent()).toContain("PayPal");
    expect(await page.locator('#payouts tfoot tr[data-currency="usd"]').textContent()).toContain("$44.70");
    const payoutId = (await row.getAttribute("data-id")) ?? "";

    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "PayPal file (USD)" }).click()]);
    const file = readFileSync(await download.path(), "utf8");
    expect(cells(file)).toEqual([["ann@paypal.example", "44.70", "USD", payoutId, `Affiliate commission, payout ${payoutId}`, "PAYPAL"]]);

    const widths = await screenshotWidths(page, "payouts");
    for (const width of [1280, 360] as const) expect(widths[width], `page width at ${width}`).toBeLessThanOrEqual(width);

    await row.getByLabel("Reference").fill("PP-BATCH-42");
    await row.getByRole("button", { name: "Mark paid" }).click();
    await page.locator(`#payouts tr[data-id="${payoutId}"][data-status="paid"]`).waitFor();
    expect(await page.locator(`#payouts tr[data-id="${payoutId}"]`).textContent()).toContain("PP-BATCH-42");
    await page.getByText("Nothing is due").waitFor();

    // The affiliate, in a browser of their own, signs in with a portal link and sees it paid.
    const link = await server.api("POST", `/api/v1/affiliates/${m.affiliate.id}/portal-link`, { key: m.key });
    const affiliate = await (await browser.newContext()).newPage();
    affiliate.setDefaultTimeout(8_000);
    await affiliate.goto(link.body.url);
    await affiliate.getByRole("button", { name: "Sign in" }).click();
    await affiliate.waitForURL(`${server.url}/portal`);
    const paid = affiliate.locator(`#portal-payouts tr[data-payout="${payoutId}"]`);
    expect(await paid.textContent()).toContain("$44.70");
    expect(await paid.textContent()).toContain("paid");
    expect(await paid.textContent()).toContain("PP-BATCH-42");
    expect(await affiliate.locator('#portal-earnings tr[data-currency="usd"]').textContent()).toContain("$44.70");
    await screenshotWidths(affiliate, "portal-payout");
    expect(errors).toEqual([]);
  });
});
