import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";

// Configuration is read once, at start-up, from the environment (and a .env file). A bad value
// stops the process with one line naming the variable, before anything listens.

const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => /^https?:\/\/[^\s/]+/.test(v) && URL.canParse(v), `should be an http(s) URL, ${what}`)
    .transform((v) => v.replace(/\/+$/, ""));

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce
    .number({ error: "should be a port number (1-65535)" })
    .int("should be a whole port number")
    .min(0, "should be a port number (1-65535)")
    .max(65535, "should be a port number (1-65535)")
    .default(8787),
  PUBLIC_URL: url("e.g. https://track.example.com").optional(),
  REDIS_URL: z
    .string()
    .trim()
    .refine((v) => /^rediss?:\/\//.test(v) && URL.canParse(v), "should be a redis:// or rediss:// URL")
    .optional(),
  REDIS_CLUSTER: z.enum(["true", "false"], { error: "should be true or false" }).default("false"),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]*$/, "should be letters, digits, ':', '_' or '-'").default("icodrip:"),
  DATA_DIR: z.string().trim().min(1, "should be a folder path").default("./.icodrip"),
  ICODRIP_SECRET: z.string().min(32, "should be at least 32 characters (e.g. `openssl rand -hex 32`)").optional(),
  ICODRIP_SIGNUP: z.enum(["open", "closed"], { error: "should be open or closed" }).optional(),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9]+$/, "should be a Stripe secret key (sk_test_… or sk_live_…)")
    .optional(),
  STRIPE_CLIENT_ID: z.string().regex(/^ca_[A-Za-z0-9]+$/, "should be a Stripe Connect client id (ca_…)").optional(),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, "should be a webhook signing secret (whsec_…)").optional(),
  STRIPE_API_URL: url("Stripe's API origin").default("https://api.stripe.com"),
  STRIPE_CONNECT_URL: url("Stripe's Connect origin").default("https://connect.stripe.com"),
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d+|[\w.:/, -]+)$/, "should be true, false, a number of proxy hops, or addresses (Express's trust proxy)")
    .optional(),
  ICODRIP_CLICK_RATE_LIMIT: z.coerce.number({ error: "should be a number of clicks" }).int("should be a whole number").min(1).default(120),
  ICODRIP_LOGIN_RATE_LIMIT: z.coerce.number({ error: "should be a number of sign-in attempts" }).int("should be a whole number").min(1).default(20),
  ICODRIP_SIGNUP_RATE_LIMIT: z.coerce.number({ error: "should be a number of signups" }).int("should be a whole number").min(1).default(10),
  SMTP_URL: z
    .string()
    .trim()
    .refine((v) => /^smtps?:\/\//.test(v) && URL.canParse(v), "should be an smtp:// or smtps:// URL, e.g. smtp://user:password@mail.example.com:587")
    .optional(),
  MAIL_FROM: z.string().trim().min(3, "should be a sender, e.g. Icodrip <no-reply@example.com>").max(200).optional(),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  publicUrl: string;
  store: { kind: "redis"; url: string; prefix: string; cluster?: boolean } | { kind: "embedded"; dataDir: string };
  dataDir: string;
  secret: string;
  signupOpen: boolean;
  stripe: {
    secretKey: string | null;
    clientId: string | null;
    webhookSecret: string | null;
    apiUrl: string;
    connectUrl: string;
  };
  /** Express's "trust proxy": which X-Forwarded-For hops to believe for the client's address. */
  trustProxy: boolean | number | string;
  /** clicks one address may record per minute on the public click endpoints */
  clickRateLimit: number;
  /** sign-in attempts one address may make per minute (and at most 10 of them on one email) */
  loginRateLimit: number;
  /** signups one address may make per hour */
  signupRateLimit: number;
  logLevel: string;
  /** Sign-in links for affiliates go by SMTP when smtpUrl is set, else to the log. */
  mail: { smtpUrl: string | null; from: string };
}

export class ConfigError extends Error {
  readonly code = "invalid_config";
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(blankToUndefined(env));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? "configuration");
    const shown = env[name] === undefined ? "is missing" : `is "${redact(name, env[name] ?? "")}"`;
    throw new ConfigError(`${name} ${shown}: it ${issue.message}.`);
  }
  const c = parsed.data;
  if (c.STRIPE_CLIENT_ID && !c.STRIPE_SECRET_KEY) {
    throw new ConfigError("STRIPE_SECRET_KEY is missing: it is needed with STRIPE_CLIENT_ID (the platform's secret key).");
  }
  if (c.REDIS_CLUSTER === "true" && !c.REDIS_URL) {
    throw new ConfigError("REDIS_URL is missing: it is needed with REDIS_CLUSTER=true (the address of one node of the cluster).");
  }
  const dataDir = resolve(c.DATA_DIR);
  const secret = c.ICODRIP_SECRET ?? developmentSecret(c.NODE_ENV, dataDir);
  return {
    env: c.NODE_ENV,
    port: c.PORT,
    publicUrl: c.PUBLIC_URL ?? `http://localhost:${c.PORT}`,
    // `cluster` appears only when set, so a single Redis's store settings read as they always did.
    store: c.REDIS_URL
      ? { kind: "redis", url: c.REDIS_URL, prefix: c.REDIS_PREFIX, ...(c.REDIS_CLUSTER === "true" ? { cluster: true } : {}) }
      : { kind: "embedded", dataDir },
    dataDir,
    secret,
    signupOpen: (c.ICODRIP_SIGNUP ?? (c.NODE_ENV === "production" ? "closed" : "open")) === "open",
    stripe: {
      secretKey: c.STRIPE_SECRET_KEY ?? null,
      clientId: c.STRIPE_CLIENT_ID ?? null,
      webhookSecret: c.STRIPE_WEBHOOK_SECRET ?? null,
      apiUrl: c.STRIPE_API_URL,
      connectUrl: c.STRIPE_CONNECT_URL,
    },
    trustProxy: parseTrustProxy(c.TRUST_PROXY),
    clickRateLimit: c.ICODRIP_CLICK_RATE_LIMIT,
    loginRateLimit: c.ICODRIP_LOGIN_RATE_LIMIT,
    signupRateLimit: c.ICODRIP_SIGNUP_RATE_LIMIT,
    logLevel: c.LOG_LEVEL,
    mail: { smtpUrl: c.SMTP_URL ?? null, from: c.MAIL_FROM ?? `Icodrip <no-reply@${new URL(c.PUBLIC_URL ?? "http://localhost").hostname}>` },
  };
}

/** Reads ./.env into process.env without overriding what the environment already sets. */
export function loadDotEnv(path = ".env"): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

// In development a secret is made once and kept beside the data, so signed cookies and sealed
// tokens survive restarts. Production must bring its own: losing it would orphan sealed tokens.
function developmentSecret(nodeEnv: string, dataDir: string): string {
  if (nodeEnv === "production") {
    throw new ConfigError("ICODRIP_SECRET is missing: it is required when NODE_ENV=production (at least 32 characters, e.g. `openssl rand -hex 32`).");
  }
  const file = join(dataDir, "secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("hex");
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === "false") return false;
  if (value === "true") return true;
  return /^\d+$/.test(value) ? Number(value) : value;
}

function blankToUndefined(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === "" ? undefined : v]));
}

function redact(name: string, value: string): string {
  return /SECRET|KEY|TOKEN|PASSWORD|SMTP_URL/.test(name) ? `${value.slice(0, 3)}…` : value.slice(0, 80);
}
