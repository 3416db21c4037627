import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { DESKTOP_USER_AGENT, launchChromium } from "../test/support/browser.js";

// The snippet's main-thread time at page load, in Chromium (the Debian build the browser tests
// use). What is measured: a merchant's landing page (an affiliate visit, `?via=ann`) with twenty
// Payment Links, a Buy Button and a Pricing Table, loaded in a fresh browser profile each time so
// every load fetches, compiles and runs the snippet, records the click (POST /t/click, answered
// here as Icodrip answers it) and decorates the checkouts. The same page without the script tag is
// loaded alternately with it, so the shared machine's noise falls on both alike.
//
// The figures are Chromium's own main-thread counters for the page (CDP Performance.getMetrics,
// enabled on a blank page before navigating): ScriptDuration, the time spent running JavaScript,
// and TaskDuration, all main-thread work (HTML parsing, style, layout and script; less the time
// of this bench's own DevTools commands). They are read
// once the referral is known (the snippet's ready() callback, or at once on the bare page, through
// the same small evaluate on both), so the snippet's whole load-time work is inside them: its
// compile and run, the cookie write, the click's answer and the decoration. The snippet's share
// is the difference between the two pages.

const RUNS = Number(process.env.BENCH_SNIPPET_RUNS ?? 30);
const DAY = 24 * 3600 * 1000;

const checkouts = [
  ...Array.from({ length: 20 }, (_, i) => `<a href="https://buy.stripe.com/test_${String(i)}?locale=en">Plan ${String(i)}</a>`),
  '<stripe-buy-button buy-button-id="buy_btn_1" publishable-key="pk_test_1"></stripe-buy-button>',
  '<stripe-pricing-table pricing-table-id="prctbl_1" publishable-key="pk_test_1"></stripe-pricing-table>',
].join("\n");

// Both pages run one small inline script of the merchant's first: the first script a fresh renderer
// runs pays for starting V8's context (some milliseconds), which a real shop's own scripts pay
// anyway, so it is not the snippet's to carry.
const page = (withSnippet: boolean) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Shop</title>
<script>document.documentElement.dataset.shop = "ready";</script>
${withSnippet ? '<script async src="/snippet.js" data-program="pk_bench"></script>' : ""}
</head><body><h1>Pricing</h1><p>Pick a plan.</p>
${checkouts}
</body></html>`;

/** A merchant's site that also answers for Icodrip: the snippet is served from it, so its origin is the API's. */
function startSite(snippet: Buffer): Promise<{ url: string; close: () => void }> {
  let clicks = 0;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/snippet.js") {
      res.writeHead(200, { "content-type": "text/javascript", "cache-control": "no-store" }).end(snippet);
    } else if (path === "/t/click" && req.method === "POST") {
      req.resume();
      req.on("end", () => {
        // The shape of Icodrip's answer to POST /t/click (server/http/routes/tracking.ts).
        const answer = { clickId: `icd_bench_${String(++clicks)}`, affiliate: "ann", expiresAt: Date.now() + 30 * DAY };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
      });
    } else if (path === "/with" || path === "/without") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" }).end(page(path === "/with"));
    } else {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, close: () => server.close() });
    });
  });
}

interface Sample {
  script: number;
  task: number;
}

async function load(browser: Browser, url: string, withSnippet: boolean): Promise<Sample> {
  const context = await browser.newContext({ userAgent: DESKTOP_USER_AGENT });
  try {
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    await cdp.send("Performance.enable");
    await tab.goto(`${url}/${withSnippet ? "with" : "without"}?via=ann`, { waitUntil: "load" });
    // Resolves when the snippet knows the referral; on the bare page at once. Both pages run this
    // same small evaluate, so its cost cancels out of the difference.
    const referral = await tab.evaluate(
      () => new Promise<unknown>((resolve) => ((window as { icodrip?: { ready: (c: (r: unknown) => void) => void } }).icodrip?.ready ?? ((c: (r: unknown) => void) => c(null)))(resolve)),
    );
    if (withSnippet && typeof referral !== "string") throw new Error(`the snippet did not record the click (referral: ${JSON.stringify(referral)})`);
    if (withSnippet) {
      const href = await tab.getAttribute("a", "href");
      if (!href?.includes("client_reference_id=icd_bench_")) throw new Error(`the snippet did not decorate the Payment Links (${String(href)})`);
    }
    const { metrics } = await cdp.send("Performance.getMetrics");
    const metric = (name: string) => (metrics.find((m) => m.name === name)?.value ?? NaN) * 1000;
    // Our own probing (the evaluate above) counts as DevTools commands, not the page's work.
    return { script: metric("ScriptDuration"), task: metric("TaskDuration") - metric("DevToolsCommandDuration") };
  } finally {
    await context.close();
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
};
const ms = (n: number) => `${n.toFixed(2)} ms`;

/** Rows for bench/run.ts: [measure, value, comparison]. */
export async function snippetLoadRows(): Promise<[string, string, string][]> {
  const snippet = readFileSync(join(import.meta.dirname, "..", "dist", "snippet.js"));
  const site = await startSite(snippet);
  const browser = await launchChromium();
  try {
    // One of each first, not counted: the browser's first page pays for its own start-up.
    await load(browser, site.url, true);
    await load(browser, site.url, false);
    const samples = { with: [] as Sample[], without: [] as Sample[] };
    for (let i = 0; i < RUNS; i++) {
      samples.with.push(await load(browser, site.url, true));
      samples.without.push(await load(browser, site.url, false));
    }
    const row = (label: string, key: keyof Sample): [string, string, string] => {
      const withSnippet = samples.with.map((s) => s[key]);
      const without = samples.without.map((s) => s[key]);
      const added = samples.with.map((s, i) => s[key] - samples.without[i][key]);
      return [
        `snippet page load, main-thread ${label} (Chromium, ${String(RUNS)} fresh profiles)`,
        `median ${ms(quantile(withSnippet, 0.5))}, p95 ${ms(quantile(withSnippet, 0.95))}`,
        `same page without the snippet: median ${ms(quantile(without, 0.5))}, p95 ${ms(quantile(without, 0.95))}; the snippet adds median ${ms(quantile(added, 0.5))}, p95 ${ms(quantile(added, 0.95))}`,
      ];
    };
    return [row("script time (ScriptDuration)", "script"), row("task time (TaskDuration)", "task")];
  } finally {
    await browser.close();
    site.close();
  }
}
