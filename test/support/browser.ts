import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { CHROMIUM_PATH } from "./services.js";

// Debian's Chromium, headless, as this machine allows it: without the background-networking
// flags it keeps dialling Google's hosts, which the closed network refuses.
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A desktop browser's user agent: headless Chromium says "HeadlessChrome", which the snippet treats as a bot. */
export const DESKTOP_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/** Where browser tests write their screenshots (git-ignored; the run makes it). */
export const SCREENSHOTS = join(import.meta.dirname, "..", "..", "test-results", "screenshots");

/** What goes wrong on a page as it runs: script errors, console errors (CSP refusals among them) and failed requests, the browser's own favicon probe aside. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (msg) => msg.type() === "error" && !msg.text().startsWith("Failed to load resource") && errors.push(msg.text()));
  page.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && errors.push(`${r.status()} ${r.url()}`));
  return errors;
}

/** A page in a browser profile of its own that holds a member's session cookie (`name=value`), with its errors watched. */
export async function memberPage(browser: Browser, origin: string, cookie: string, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext(options);
  const [name, value] = cookie.split("=");
  await context.addCookies([{ name, value, url: origin }]);
  const page = await context.newPage();
  page.setDefaultTimeout(8_000);
  return { context, page, errors: watchErrors(page) };
}

/** Screenshots of the page at 1280 and 360 px (SCREENSHOTS/NAME-WIDTH.png); answers the document's width at each, for a no-sideways-scroll check. */
export async function screenshotWidths(page: Page, name: string): Promise<Record<1280 | 360, number>> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const widths = { 1280: 0, 360: 0 };
  for (const width of [1280, 360] as const) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${String(width)}.png`), fullPage: true });
    widths[width] = await page.evaluate(() => document.documentElement.scrollWidth);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  return widths;
}
