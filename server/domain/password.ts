import { randomBytes, scrypt as scryptCallback, timingSafeEqual, createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import { promisify } from "node:util";

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: object) => Promise<Buffer>;

// scrypt with N=2^15, r=8, p=1 (OWASP's floor for scrypt); parameters are stored with the hash
// so they can be raised later without breaking existing members.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEYLEN = 32;
const SALT_BYTES = 16;
const MAXMEM = 64 * 1024 * 1024;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(password, salt, KEYLEN, { N, r: R, p: P, maxmem: MAXMEM });
  return ["scrypt", N, R, P, salt.toString("base64url"), hash.toString("base64url")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAXMEM,
  });
  return timingSafeEqual(actual, expected);
}

/** The cost parameters and sizes of a stored hash (to compare hashes' cost, never to verify). */
export function hashParameters(stored: string): { scheme: string; N: number; r: number; p: number; saltBytes: number; keyBytes: number } {
  const parts = stored.split("$");
  const [scheme, n, r, p] = parts;
  // A stored value from an older or damaged record may lack the last parts.
  const salt = parts.at(4);
  const hash = parts.at(5);
  return {
    scheme,
    N: Number(n),
    r: Number(r),
    p: Number(p),
    saltBytes: Buffer.from(salt ?? "", "base64url").length,
    keyBytes: Buffer.from(hash ?? "", "base64url").length,
  };
}

// Checked when nobody has the email, so an unknown address costs what a wrong password costs.
// It is made by hashPassword itself (once, at first use), so its cost parameters cannot drift
// from the members' hashes when those are raised.
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(24).toString("base64url"));
  return decoy;
}

/** API keys are long random strings, so a fast hash is enough to store them safely. */
export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Too many password hashes are waiting already; `retryAfterSeconds` is a fair moment to retry. */
export class HashingBusy extends Error {
  readonly code = "busy";
  readonly retryAfterSeconds = 1;
  constructor() {
    super("The server is busy checking other passwords; retry in a second.");
  }
}

/**
 * Bounds the password hashing one process does at once. Each scrypt costs ~100 ms of CPU and
 * 32 MiB, so without a bound a flood of logins queues without end and a genuine login waits
 * behind all of it. At most `concurrency` hashes run; up to `maxQueue` more wait in order; any
 * beyond that are refused at once (HashingBusy → 503 with Retry-After) instead of queueing.
 */
export class HashGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  /** hashes started since the process began (tests read it to prove a refusal did no hashing) */
  started = 0;

  constructor(
    readonly concurrency: number,
    readonly maxQueue: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.maxQueue) throw new HashingBusy();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    this.started++;
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never dips and lets a newcomer jump the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  get queued(): number {
    return this.waiting.length;
  }
}

// The process's one gate: scrypt runs on libuv's pool (4 threads by default) and needs a core
// each, so more at once only queues there. Four waiting per slot keep the worst wait of an
// admitted sign-in near half a second; beyond that a quick 503 and a retry serve a person better.
const HASH_SLOTS = Math.max(1, Math.min(4, availableParallelism()));
export const passwordHashing = new HashGate(HASH_SLOTS, HASH_SLOTS * 4);
