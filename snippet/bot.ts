// Crawlers and link unfurlers name themselves in the user agent; recording their "clicks" would
// only inflate an affiliate's numbers. The server has the last word on the rest.
//
// navigator.webdriver and "HeadlessChrome" are deliberately not signals: our own Playwright tests
// drive a real (headless) Chromium that reports both, and they must see the snippet at work.
// "externalhit" is Facebook's crawler, facebookexternalhit, without the part no other UA needs.
// (The pattern itself is exported, not a function around it: terser would keep the wrapper.)
export const BOT = /bot|crawl|spider|slurp|lighthouse|preview|externalhit/i;
