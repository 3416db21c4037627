import { createConnection } from "node:net";
import { existsSync } from "node:fs";

// Tests use the real services. Outside CI a missing one skips its suites with a printed reason;
// under CI=true (see .ci/run) a missing service fails the run, so nothing is skipped silently.

export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function redisAnswers(url = REDIS_URL): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 6379), timeout: 1_000 });
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export function chromiumPresent(): boolean {
  return existsSync(CHROMIUM_PATH);
}

export const services = {
  redis: process.env.ICODRIP_TEST_REDIS === "1",
  chromium: process.env.ICODRIP_TEST_CHROMIUM === "1",
};
