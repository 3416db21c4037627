// Crawlers and link unfurlers name themselves in the user agent; recording their "clicks" would
// only inflate an affiliate's numbers. The server has the last word on the rest.
//
// navigator.webdriver and "HeadlessChrome" are deliberately not signals: our own Playwright tests
// drive a real (headless) Chromium that reports both, and they must see the snippet at work.
const BOT = /bot|crawl|spider|slurp|lighthouse|preview|facebookexternalhit/i;

export const isBot = (userAgent: string) => BOT.test(userAgent);
