import { expect } from "vitest";
import { startStripeSandbox, type StripeSandbox } from "../../sandbox/index.js";
import { startTestServer, type TestServer } from "../support/server.js";
import type { StoreKind } from "../support/stores.js";

// One Icodrip server pointed at one Stripe emulator (both hosts), and a small browser that keeps
// cookies and follows redirects by hand, so every hop of the OAuth dance can be looked at.

export const PASSWORD = "correct horse battery";

export interface Rig {
  server: TestServer;
  emulator: StripeSandbox;
  /** Every value the store was asked to write, as written (what "at rest" means). */
  writes: string[];
  stop(): Promise<void>;
}

export async function startRig(kind: StoreKind, options: { platform?: boolean; env?: Record<string, string> } = {}): Promise<Rig> {
  const emulator = await startStripeSandbox();
  const env: Record<string, string> = { STRIPE_API_URL: emulator.url, STRIPE_CONNECT_URL: emulator.url, ...options.env };
  if (options.platform ?? true) Object.assign(env, { STRIPE_SECRET_KEY: emulator.platformKey, STRIPE_CLIENT_ID: emulator.clientId });
  const server = await startTestServer(kind, env);
  const writes: string[] = [];
  const backend = server.store.backend;
  const commit = backend.commit.bind(backend);
  backend.commit = async (c) => {
    writes.push(...c.puts.map((p) => p.value));
    return commit(c);
  };
  return {
    server,
    emulator,
    writes,
    async stop() {
      await server.stop();
      await emulator.close();
    },
  };
}

interface Cookie {
  value: string;
  path: string;
}

export class Browser {
  readonly cookies = new Map<string, Cookie>();

  /** One request, no redirect following; cookies sent by path and kept from Set-Cookie. */
  async request(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const path = new URL(url).pathname;
    const cookie = [...this.cookies].filter(([, c]) => path.startsWith(c.path)).map(([name, c]) => `${name}=${c.value}`).join("; ");
    const res = await fetch(url, { method: init.method ?? "GET", body: init.body, redirect: "manual", headers: { ...init.headers, ...(cookie ? { cookie } : {}) } });
    for (const line of res.headers.getSetCookie()) this.keep(line);
    return res;
  }

  private keep(line: string): void {
    const [pair, ...attributes] = line.split(";").map((s) => s.trim());
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const attr = (n: string) => attributes.find((a) => a.toLowerCase().startsWith(`${n}=`))?.split("=")[1];
    const expires = attr("expires");
    if (attr("max-age") === "0" || (expires && Date.parse(expires) <= Date.now())) {
      this.cookies.delete(name);
      return;
    }
    this.cookies.set(name, { value: pair.slice(eq + 1), path: attr("path") ?? "/" });
  }

  /** The raw Set-Cookie attributes a response gave one cookie (to check its flags). */
  static setCookie(res: Response, name: string): string | undefined {
    return res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
  }
}

export const redirectTarget = (res: Response): URL => {
  expect([302, 303]).toContain(res.status);
  return new URL(res.headers.get("location") ?? "", "http://relative.invalid");
};

/** A new workspace with a member signed in in a fresh browser. */
export async function member(rig: Rig, name = "Acme"): Promise<{ key: string; browser: Browser; email: string }> {
  const email = `${Math.random().toString(36).slice(2)}@example.com`;
  const res = await rig.server.api("POST", "/api/v1/signup", { body: { email, password: PASSWORD, workspace: name } });
  expect(res.status).toBe(201);
  const browser = new Browser();
  const login = await browser.request(`${rig.server.url}/session`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: rig.server.url },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(login.status).toBe(201);
  return { key: res.body.apiKey as string, browser, email };
}

/**
 * Starts "Connect Stripe" in the browser and lets the emulator decide (approve an account or
 * answer an error); answers the callback URL Stripe sent the browser back to, not yet visited.
 */
export async function toCallback(rig: Rig, browser: Browser, decision?: Parameters<StripeSandbox["queueAuthorization"]>[0]): Promise<string> {
  const start = await browser.request(`${rig.server.url}/integrations/stripe/connect`);
  const authorize = redirectTarget(start);
  expect(authorize.origin).toBe(rig.emulator.url);
  if (decision !== undefined) rig.emulator.queueAuthorization(decision);
  const back = await browser.request(authorize.toString());
  return redirectTarget(back).toString();
}

/** Visits the callback and answers where Icodrip sent the browser (the integrations page). */
export async function finish(browser: Browser, callbackUrl: string): Promise<URL> {
  return redirectTarget(await browser.request(callbackUrl));
}

/** The whole OAuth flow for a fresh emulator account; answers its id. */
export async function connectWithOAuth(rig: Rig, browser: Browser): Promise<string> {
  const { accountId } = rig.emulator.createAccount();
  const page = await finish(browser, await toCallback(rig, browser, accountId));
  expect(page.pathname).toBe("/dashboard/settings/integrations");
  expect(Object.fromEntries(page.searchParams)).toEqual({ connected: accountId });
  return accountId;
}

export const requestsTo = (rig: Rig, method: string, path: string) => rig.emulator.requests.filter((r) => r.method === method && r.path === path);
