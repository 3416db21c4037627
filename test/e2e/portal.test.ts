import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DESKTOP_USER_AGENT, launchChromium } from "../support/browser.js";
import { merchant, PLATFORM_SECRET, SECRET, type Setup } from "../support/merchant.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { services } from "../support/services.js";
import { linkIn, startSmtp, type LocalSmtp } from "../support/smtp.js";
import { checkoutSession, deliver, event } from "../support/stripe-events.js";
import { embeddedKind } from "../support/stores.js";

// The affiliates' side of issue 11 in real Chromium, with mail through a real local SMTP server:
// an affiliate joins an open program at /join, signs in with the mailed link, sees their link; a
// visitor (a browser profile of its own) follows it and pays; the open portal, reloaded, shows
// the click, the conversion with the customer's email masked, and the pending earning. An
// approval program's applicant sees no links until the merchant approves. A used link refuses
// with a page that says so. Screenshots at 1280 and 360 px go to test-results/screenshots.

const SHOTS = join(import.meta.dirname, "..", "..", "test-results", "screenshots");

describe.runIf(services.chromium)("the affiliates' portal in a real browser", () => {
  let server: TestServer;
  let smtp: LocalSmtp;
  let browser: Browser;
  let n = 0;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    smtp = await startSmtp();
    server = await startTestServer(embeddedKind, { STRIPE_WEBHOOK_SECRET: PLATFORM_SECRET, ICODRIP_SECRET: SECRET, SMTP_URL: smtp.url });
    browser = await launchChromium();
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await browser?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await server?.stop();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when the setup failed
    await smtp?.stop();
  });

  async function shop(join: "open" | "approval"): Promise<Setup> {
    const m = await merchant(server, `acct_portale2e${Date.now().toString(36)}${n++}`);
    await server.api("PATCH", `/api/v1/programs/${m.programId}`, { key: m.key, body: { join } });
    return m;
  }

  async function fresh(): Promise<Page> {
    const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    return page;
  }

  async function joinAndSignIn(page: Page, m: Setup, name: string, email: string): Promise<void> {
    await page.goto(`${server.url}/join/${m.programKey}`);
    await page.getByText("30% of each payment").waitFor();
    await page.getByLabel("Your name").fill(name);
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: /Join|Apply/ }).click();
    await page.getByRole("status").waitFor();
    const link = linkIn(await smtp.next(email));
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(`${server.url}/portal`);
  }

  it("an open program: join, the mailed link, the link shown; a visitor buys and the portal shows it", async () => {
    const m = await shop("open");
    const page = await fresh();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && errors.push(`${r.status()} ${r.url()}`));
    const email = `kim-${Date.now().toString(36)}@example.com`;
    await joinAndSignIn(page, m, "Kim", email);
    const url = (await page.locator("#portal-links code").first().textContent()) ?? "";
    expect(url).toMatch(new RegExp(`^${server.url}/r/[a-z0-9]+$`));

    // A visitor in a browser of their own follows the link (to a site this machine can reach:
    // the program's site is pointed at this server's own front page); Stripe then reports the payment.
    await server.api("PATCH", `/api/v1/programs/${m.programId}`, { key: m.key, body: { url: server.url } });
    const visitor = await fresh();
    await visitor.goto(url);
    const clickId = new URL(visitor.url()).searchParams.get("icd");
    expect(clickId).toMatch(/^icd_/);
    const session = checkoutSession({ amount: 4_900, clientReferenceId: clickId, email: "Jamie@Example.com" });
    expect((await deliver(`${server.url}/webhooks/stripe`, event("checkout.session.completed", session, { account: m.accountId }), PLATFORM_SECRET)).body.outcome).toBe("processed");

    await page.reload();
    expect(await page.locator("#portal-clicks").textContent()).toBe("1");
    expect(await page.locator("#portal-conversions").textContent()).toBe("1");
    const row = page.locator("#portal-conversion-rows tr").first();
    expect(await row.textContent()).toContain("j***@example.com");
    expect(await row.textContent()).toContain("$49.00");
    expect(await row.textContent()).toContain("$14.70");
    expect(await page.locator('#portal-earnings tr[data-currency="usd"]').textContent()).toContain("$14.70");
    expect(await page.content()).not.toContain("jamie@example.com");

    // Another page of the site, then a payout method, through the page's own forms.
    await page.getByLabel(/Another page/).fill("/pricing");
    await page.getByRole("button", { name: "Add link" }).click();
    await page.getByText("→ /pricing").waitFor();
    await page.getByLabel("PayPal or Wise email").fill("kim@pay.example");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("PayPal: kim@pay.example").waitFor();

    for (const width of [1280, 360]) {
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: join(SHOTS, `portal-${width}.png`), fullPage: true });
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `page width at ${width}`).toBeLessThanOrEqual(width);
    }
    expect(errors).toEqual([]);
  });

  it("an approval program: the applicant sees no links until the merchant approves; a used link refuses clearly", async () => {
    const m = await shop("approval");
    const page = await fresh();
    const email = `lee-${Date.now().toString(36)}@example.com`;
    await page.goto(`${server.url}/join/${m.programKey}`);
    await page.getByLabel("Your name").fill("Lee");
    await page.getByLabel("Email").fill(email);
    await page.getByRole("button", { name: "Apply" }).click();
    expect(await page.getByRole("status").textContent()).toContain("waiting for the merchant's approval");

    await page.goto(`${server.url}/portal/login`);
    await page.getByLabel("Your email").fill(email);
    await page.getByRole("button", { name: "Email me a sign-in link" }).click();
    await page.getByRole("status").waitFor();
    const link = linkIn(await smtp.next(email));
    await page.goto(link);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Awaiting approval" }).waitFor();
    expect(await page.locator("#portal-links").count()).toBe(0);

    // The link again, in another browser: spent.
    const other = await fresh();
    await other.goto(link);
    expect(await other.getByRole("alert").textContent()).toMatch(/not valid|used already/);
    await other.getByRole("link", { name: "Email me a new sign-in link" }).waitFor();

    const [lee] = (await server.api("GET", `/api/v1/affiliates?programId=${m.programId}&status=pending`, { key: m.key })).body.data;
    await server.api("PATCH", `/api/v1/affiliates/${lee.id}`, { key: m.key, body: { status: "active" } });
    await page.reload();
    await page.locator("#portal-links code").first().waitFor();
  });
});
