import { chromiumPresent, CHROMIUM_PATH, REDIS_URL, redisAnswers } from "./services.js";

// Checks the services once and tells the test files through the environment.
export default async function setup(): Promise<void> {
  const ci = process.env.CI === "true";
  const redis = await redisAnswers();
  const chromium = chromiumPresent();
  const missing = [
    redis ? null : `Redis does not answer at ${REDIS_URL} (start it: redis-server --daemonize yes)`,
    chromium ? null : `Chromium is not at ${CHROMIUM_PATH} (install it: apt-get install chromium)`,
  ].filter(Boolean);
  if (missing.length > 0) {
    if (ci) throw new Error(`CI=true and a service the tests need is missing: ${missing.join("; ")}.`);
    console.warn(`\n[icodrip tests] SKIPPING suites that need: ${missing.join("; ")}.\n`);
  }
  process.env.ICODRIP_TEST_REDIS = redis ? "1" : "0";
  process.env.ICODRIP_TEST_CHROMIUM = chromium ? "1" : "0";
}
