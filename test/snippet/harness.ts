// Loads the BUILT snippet (dist/snippet.js) into a fresh jsdom page per test, with a fake fetch that
// records every request and answers like Icodrip's server, and a recorder on document.cookie.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { CookieJar, JSDOM, type DOMWindow } from "jsdom";
import { rollup, type OutputOptions } from "rollup";

export const BUILT = "dist/snippet.js";
export const ORIGIN = "https://shop.example.com";
export const API = "https://icodrip.test";
export const PROGRAM = "pk_test";
export const DAY = 24 * 3600 * 1000;

// ---- the built file -------------------------------------------------------------------------

/** The built snippet; rebuilt through rollup's API when missing or older than its sources. */
export async function builtSnippet(): Promise<string> {
  if (stale()) await build();
  return readFileSync(BUILT, "utf8");
}

function stale(): boolean {
  const sources = ["rollup.config.ts", ...readdirSync("snippet").map((name) => join("snippet", name))];
  const built = mtime(BUILT);
  return sources.some((source) => mtime(source) > built);
}

const mtime = (path: string) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
};

async function build(): Promise<void> {
  const { snippet: config } = await import("../../rollup.config.js");
  const bundle = await rollup({ ...config, onwarn: () => {} });
  const { output } = await bundle.generate(config.output as OutputOptions);
  await bundle.close();
  // Test files build in parallel and other suites serve the file: a rename is never half-written.
  const temporary = `${BUILT}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(dirname(BUILT), { recursive: true });
  writeFileSync(temporary, output[0].code);
  renameSync(temporary, BUILT);
}

// ---- the fake server ----------------------------------------------------------------------------

export interface Sent {
  url: string;
  init: RequestInit;
  body: Record<string, unknown>;
}

export interface Answer {
  status?: number;
  body?: unknown;
}

export type Server = (path: string, body: Record<string, unknown>) => Answer;

/** Icodrip with last-click attribution: every click it is told about becomes the referral. */
export function lastClickServer(expiresAt = Date.now() + 30 * DAY): Server {
  let next = 0;
  return (path, body) => {
    if (path === "/t/lead") return { status: 202, body: { ok: true } };
    if (body.clickId) return { body: { clickId: body.clickId, affiliate: "ann", expiresAt } };
    return { body: { clickId: `icd_${String(body.code)}_${++next}`, affiliate: body.code, expiresAt } };
  };
}

// ---- the page -----------------------------------------------------------------------------------

export interface PageOptions {
  /** The merchant's site; https://shop.example.com unless told. */
  origin?: string;
  /** Path and query on the merchant's site. */
  path?: string;
  /** Extra markup for the body. */
  body?: string;
  /** Attributes of the snippet's script tag beyond src and data-program. */
  attributes?: string;
  jar?: CookieJar;
  referrer?: string;
  server?: Server;
  /** Runs before the snippet: stubs, broken APIs, a different user agent. */
  before?: (window: DOMWindow) => void;
  /** False: document.cookie ignores every write (cookies blocked). */
  cookies?: boolean;
}

export interface Page {
  window: DOMWindow;
  document: Document;
  icodrip: any;
  requests: Sent[];
  cookieWrites: string[];
  errors: unknown[];
  /** Resolves with the referral once the snippet knows it. */
  ready(): Promise<string | null>;
  cookie(name: string): string | null;
}

export function openPage(code: string, options: PageOptions = {}): Page {
  const dom = new JSDOM(
    `<!doctype html><html><head><script async src="${API}/snippet.js" data-program="${PROGRAM}" ${options.attributes ?? ""}></script></head><body>${options.body ?? ""}</body></html>`,
    {
      url: `${options.origin ?? ORIGIN}${options.path ?? "/"}`,
      referrer: options.referrer,
      cookieJar: options.jar ?? new CookieJar(),
      runScripts: "outside-only",
    },
  );
  const { window } = dom;
  const requests: Sent[] = [];
  const cookieWrites: string[] = [];
  const errors: unknown[] = [];
  window.addEventListener("error", (event) => errors.push(event.error ?? event.message));
  recordCookies(window, cookieWrites, options.cookies ?? true);
  installFetch(window, requests, options.server ?? lastClickServer());
  options.before?.(window);
  window.eval(code);
  const page: Page = {
    window,
    document: window.document,
    get icodrip() {
      return (window as any).icodrip;
    },
    requests,
    cookieWrites,
    errors,
    ready: () => new Promise((resolve) => page.icodrip.ready(resolve)),
    cookie: (name) => window.document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`))?.[1] ?? null,
  };
  return page;
}

function installFetch(window: DOMWindow, requests: Sent[], server: Server): void {
  (window as any).fetch = async (url: string, init: RequestInit) => {
    const body = JSON.parse(init.body as string); // the snippet always posts a string
    requests.push({ url, init, body });
    const answer = server(new URL(url).pathname, body);
    return new Response(JSON.stringify(answer.body ?? {}), {
      status: answer.status ?? 200,
      headers: { "content-type": "application/json" },
    });
  };
}

function recordCookies(window: DOMWindow, writes: string[], accept: boolean): void {
  const native = Object.getOwnPropertyDescriptor(window.Document.prototype, "cookie")!;
  Object.defineProperty(window.document, "cookie", {
    configurable: true,
    get() {
      return native.get!.call(this);
    },
    set(value: string) {
      writes.push(value);
      if (accept) native.set!.call(this, value);
    },
  });
}

/** Puts a referral in the jar as an earlier visit would have left it. */
export function seed(jar: CookieJar, id: string, affiliate: string, expiresAt = Date.now() + 30 * DAY): void {
  const expires = new Date(expiresAt).toUTCString();
  jar.setCookieSync(`icodrip_ref=${id}; Path=/; Expires=${expires}`, ORIGIN);
  jar.setCookieSync(`icodrip_aff=${affiliate}:${expiresAt}; Path=/; Expires=${expires}`, ORIGIN);
}

/** Resolves after the next DOM mutation has been delivered to every observer created before. */
export function nextMutation(window: DOMWindow): Promise<void> {
  return new Promise((resolve) => {
    const observer = new window.MutationObserver(() => {
      observer.disconnect();
      resolve();
    });
    observer.observe(window.document.documentElement, { childList: true, subtree: true });
  });
}

/** The Expires attribute of a recorded cookie write, in epoch ms. */
export function expiresOf(write: string): number {
  return Date.parse(/Expires=([^;]+)/.exec(write)![1]);
}
