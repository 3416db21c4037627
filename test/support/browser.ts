import { chromium, type Browser } from "playwright-core";
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
