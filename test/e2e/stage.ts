import type { Browser } from "playwright-core";
import type Stripe from "stripe";
import { startMerchantSite, type MerchantSiteOptions } from "../../examples/merchant-site/app.js";
import { launchChromium } from "../support/browser.js";
import { startTestServer, type TestServer } from "../support/server.js";
import type { StoreKind } from "../support/stores.js";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";

/**
 * What an end-to-end flow plays on: the local Stripe emulator as the Connect platform, Icodrip
 * pointed at it, Chromium, and the example shop (opened once its Stripe client is known).
 */
export interface Stage {
  emulator: StripeSandbox;
  icodrip: TestServer;
  browser: Browser;
  /** read by the shop on every page view, so a test may set the program key later */
  shopOptions: MerchantSiteOptions;
  openShop(stripe: Stripe): Promise<{ url: string }>;
  close(): Promise<void>;
}

export async function startStage(kind: StoreKind): Promise<Stage> {
  const emulator = await startStripeSandbox();
  const icodrip = await startTestServer(kind, {
    STRIPE_API_URL: emulator.url,
    STRIPE_CONNECT_URL: emulator.url,
    STRIPE_SECRET_KEY: emulator.platformKey,
    STRIPE_CLIENT_ID: emulator.clientId,
  });
  const browser = await launchChromium();
  const shopOptions = { icodripUrl: icodrip.url, programKey: "", stripe: null as unknown as Stripe } satisfies MerchantSiteOptions;
  let shop: { url: string; close(): Promise<void> } | null = null;
  return {
    emulator,
    icodrip,
    browser,
    shopOptions,
    async openShop(stripe) {
      shopOptions.stripe = stripe;
      shop = await startMerchantSite(shopOptions);
      return shop;
    },
    async close() {
      await browser.close();
      await shop?.close();
      await icodrip.stop();
      await emulator.close();
    },
  };
}
