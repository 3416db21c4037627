// Crawlers and link unfurlers name themselves in the user agent; recording their "clicks" would
// only inflate an affiliate's numbers. The server has the last word on the rest.
//
// navigator.webdriver and "HeadlessChrome" are deliberately not signals: our own Playwright tests
// drive a real (headless) Chromium that reports both, and they must see the snippet at work.
// "externalhit" is Facebook's crawler, facebookexternalhit, without the part no other UA needs.
// A function of no argument around the literal: terser puts it whole into the one call. (A
// constant holding the RegExp would stay a named constant; the literal has no g or y flag, so a
// fresh object per call behaves as a shared one would.)
export const isBot = () => /bot|crawl|spider|slurp|lighthouse|preview|externalhit/i.test(navigator.userAgent);
