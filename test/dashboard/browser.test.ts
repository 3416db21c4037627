import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchChromium } from "../support/browser.js";
import { services } from "../support/services.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { embeddedKind } from "../support/stores.js";
import { click, merchant, pay, PASSWORD, SERVER_ENV } from "./support.js";

// The merchant's side of the reference flow in real Chromium: sign in through the login form,
// open the Conversions tab, and see the payment a signed Stripe webhook reports appear on the
// open page, without reloading it; then give an unattributed payment to the affiliate.

describe.runIf(services.chromium)("the dashboard in a real browser", () => {
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

  it("signs in, opens Conversions, and shows a webhook's conversion on the open page", async () => {
    const m = await merchant(server);
    const context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    const errors: string[] = [];
    // Script errors, CSP refusals and failed requests; the browser's own favicon probe aside.
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (msg) => msg.type() === "error" && !msg.text().startsWith("Failed to load resource") && errors.push(msg.text()));
    page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && errors.push(`${r.status()} ${r.url()}`));

    // Signed out, the dashboard sends the browser to the login form and back.
    await page.goto(`${server.url}/dashboard`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await page.getByLabel("Email").fill(m.email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    // The dashboard opens on the Overview; the Conversions tab is one click away.
    await page.waitForURL(`${server.url}/dashboard/overview`);
    await page.getByRole("link", { name: "Conversions" }).click();
    await page.waitForURL(`${server.url}/dashboard/conversions`);
    await page.getByText("No conversions yet").waitFor();

    // Stripe reports a paid session with the click id; the open tab shows it.
    const clickId = await click(server, m);
    await pay(server, m, { amount: 12_345, clickId });
    // The conversions table, not the totals above it (which add up to the same while there is one).
    const row = page.locator("#conversions").getByRole("row").filter({ hasText: "$123.45" });
    await row.waitFor({ timeout: 5_000 });
    expect(await row.textContent()).toContain(m.affiliate.name);
    expect(await row.textContent()).toContain("$37.04");
    expect(await row.textContent()).toContain("pending");

    // A payment that matched nobody arrives too; the merchant gives it to the affiliate.
    await pay(server, m, { amount: 2_000, email: "nobody@example.com" });
    const stray = page.locator("#conversions").getByRole("row").filter({ hasText: "$20.00" });
    await stray.getByText("unattributed").waitFor({ timeout: 5_000 });
    await stray.getByLabel("Give to").selectOption(m.affiliate.id);
    await stray.getByRole("button", { name: "Attribute" }).click();
    await stray.getByText("by hand").waitFor({ timeout: 5_000 });
    expect(await stray.textContent()).toContain("$6.00");
    const saved = await server.api("GET", "/api/v1/conversions?status=pending", { key: m.key });
    expect(saved.body.data.map((c: any) => [c.amount, c.matchedBy])).toEqual([[2_000, "manual"], [12_345, "client_reference_id"]]);

    // The webhook log has both deliveries, one tab away.
    await page.getByRole("link", { name: "Webhooks" }).click();
    await page.waitForURL(`${server.url}/dashboard/webhooks`);
    expect(await page.getByRole("row").filter({ hasText: "checkout.session.completed" }).count()).toBe(2);

    expect(errors).toEqual([]);
    await context.close();
  });

  it("ties a promotion code to an affiliate from the Affiliates tab, and removes it", async () => {
    const m = await merchant(server, { affiliateName: "Pod Caster" });
    const context = await browser.newContext();
    const [name, value] = m.cookie.split("=");
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.url}/dashboard/affiliates`);
    const form = page.locator("form[data-create=promo-codes]");
    await form.getByLabel("Code customers type").fill("PODCAST10");
    await form.getByLabel("Stripe promotion code id (optional)").fill("promo_pod10");
    await form.getByRole("button", { name: "Tie code" }).click();
    const row = page.getByRole("row").filter({ hasText: "Pod Caster" });
    await row.getByText("PODCAST10").waitFor();
    const tied = await server.api("GET", "/api/v1/promo-codes", { key: m.key });
    expect(tied.body.data).toMatchObject([{ affiliateId: m.affiliate.id, code: "PODCAST10", stripePromotionCodeId: "promo_pod10" }]);

    // A second tie of the same text says why, in the form.
    await form.getByLabel("Code customers type").fill("podcast10");
    await form.getByLabel("Stripe promotion code id (optional)").fill("");
    await form.getByRole("button", { name: "Tie code" }).click();
    await form.locator("[data-error]").getByText(/taken|tied/i).waitFor();

    await row.getByRole("button", { name: "Stop attributing PODCAST10" }).click();
    await page.waitForLoadState("load");
    await expect.poll(async () => (await server.api("GET", "/api/v1/promo-codes", { key: m.key })).body.data.length).toBe(0);
    await row.getByText("PODCAST10").waitFor({ state: "detached" });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("shows times in the reader's time zone, UTC in the tooltip, also after the table refreshes", async () => {
    const m = await merchant(server);
    await pay(server, m, { amount: 2_500, clickId: await click(server, m) });
    const context = await browser.newContext({ timezoneId: "Asia/Tokyo", locale: "en-US" });
    const [name, value] = m.cookie.split("=");
    await context.addCookies([{ name, value, url: server.url }]);
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    await page.goto(`${server.url}/dashboard/conversions`);
    const time = page.locator("#results time[datetime]").first();
    await time.and(page.locator("[data-local]")).waitFor();
    const read = async () => ({ iso: await time.getAttribute("datetime"), text: await time.textContent(), title: await time.getAttribute("title") });
    const shown = await read();
    const expected = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "Asia/Tokyo" }).format(new Date(shown.iso ?? ""));
    expect(shown.text).toBe(expected);
    expect(shown.title).toBe(`${(shown.iso ?? "").slice(0, 16).replace("T", " ")} UTC`);
    // A new payment makes the page swap its table; the new rows are shown the same way.
    await pay(server, m, { amount: 3_500, clickId: await click(server, m) });
    await page.locator("#results tr").filter({ hasText: "$35.00" }).locator("time[data-local]").waitFor();
    expect(await page.locator("#results time[datetime]:not([data-local])").count()).toBe(0);
    await context.close();
  });
});
