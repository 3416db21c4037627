import { createHash } from "node:crypto";
import { createClient, createCluster } from "redis";
import { sumIncrements, type Backend, type Commit, type Doc, type Guard, type GuardedOutcome, type RangeQuery } from "./backend.js";

// A document is a hash {v: version, d: json}. The commit script checks every expected version and
// then applies every write, all inside one Lua call, so it is atomic; every key it touches is
// passed in KEYS (one hash tag per commit) so Redis Cluster routes it to one node. A document's
// value travels as an argument of its own, named by position in the commit's JSON: nested in
// that JSON it would be escaped by the server and unescaped by the script, every byte of it twice.
// The JSON is six flat lists (a check is two entries, a put three…) rather than lists of lists:
// decoding makes one Lua table per list instead of one per entry (about 8 µs of Redis's time for
// a delivery's commit instead of 15).
// Every redis.call costs the script about a microsecond beyond the command's own work, so a put
// of a key whose version a check just read (most puts: a new event, payment, delivery or
// visitor is checked absent) sets version and document in one HSET, and clears no expiry from a
// key that did not exist.
const APPLY = `
local function apply(c, known)
  local ch = c.c
  for j = 1, #ch, 2 do
    local at, want = ch[j], ch[j + 1]
    local v = redis.call('HGET', KEYS[at], 'v')
    if want < 0 then
      if v then return 0 end
      known[at] = 0
    elseif (not v) or tonumber(v) ~= want then
      return 0
    else
      known[at] = want
    end
  end
  local p = c.p
  for j = 1, #p, 3 do
    local at, ttl = p[j], p[j + 2]
    local k, was = KEYS[at], known[at]
    if was then
      redis.call('HSET', k, 'v', was + 1, 'd', ARGV[p[j + 1]])
      known[at] = was + 1
      if ttl > 0 then redis.call('PEXPIRE', k, ttl) elseif was > 0 then redis.call('PERSIST', k) end
    else
      redis.call('HINCRBY', k, 'v', 1)
      redis.call('HSET', k, 'd', ARGV[p[j + 1]])
      if ttl > 0 then redis.call('PEXPIRE', k, ttl) else redis.call('PERSIST', k) end
    end
  end
  local d, a, r, i = c.d, c.a, c.r, c.i
  for j = 1, #d do redis.call('DEL', KEYS[d[j]]) end
  for j = 1, #a, 3 do redis.call('ZADD', KEYS[a[j]], a[j + 2], a[j + 1]) end
  for j = 1, #r, 2 do redis.call('ZREM', KEYS[r[j]], r[j + 1]) end
  for j = 1, #i, 3 do redis.call('HINCRBY', KEYS[i[j]], i[j + 1], i[j + 2]) end
  return 1
end
`;

const COMMIT_SCRIPT = `${APPLY}
return apply(cjson.decode(ARGV[1]), {})
`;

// commitOnce: the rate hit (a plain counter, as HIT_SCRIPT keeps it), the guard, then the commit.
// ARGV[2..5] are the guard key's index, the rate key's index (0: none), its window (ms) and limit.
// The guard key, found absent, is known to the commit as a key checked absent.
const ONCE_SCRIPT = `${APPLY}
local guard, rate = tonumber(ARGV[2]), tonumber(ARGV[3])
if rate > 0 then
  local n = redis.call('INCR', KEYS[rate])
  if n == 1 then redis.call('PEXPIRE', KEYS[rate], ARGV[4]) end
  if n > tonumber(ARGV[5]) then return {'limited'} end
end
local doc = redis.call('HMGET', KEYS[guard], 'v', 'd')
if doc[1] and doc[2] then return {'exists', doc[1], doc[2]} end
local known = {}
if not doc[1] and not doc[2] then known[guard] = 0 end
if apply(cjson.decode(ARGV[1]), known) == 0 then return {'conflict'} end
return {'applied'}
`;

// Documents read together: HMGET v d of each key, answered as one flat list [v1, d1, v2, d2, …]
// (a missing field is false, which Redis answers as nil). One script is one command for the
// client and for Redis, where a MULTI of HMGETs was two more and one reply per key; it is as
// atomic, so the documents still come from one state of the store.
const READ_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local doc = redis.call('HMGET', key, 'v', 'd')
  out[2 * i - 1] = doc[1]
  out[2 * i] = doc[2]
end
return out
`;

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

// A page of an index, resumed exactly after a (score, member) cursor however many members share
// that score. Redis orders equal scores by member, bytewise, so the members tied with the cursor's
// score form one run of ranks; a binary search over that run (comparing bytes, not the locale's
// collation that Lua's '<' would use) finds where the page starts, and the page is read by rank.
// One script, so the position and the page come from the same state of the index.
// ARGV: reverse (0|1), min, max, limit[, afterScore, afterMember].
const RANGE_SCRIPT = `
local key, rev, min, max, limit = KEYS[1], ARGV[1] == '1', ARGV[2], ARGV[3], tonumber(ARGV[4])
local function before(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local function excl(s)
  if s == '+inf' or s == '-inf' then return s end
  return '(' .. s
end
-- ranks count from the lowest score (forward) or the highest (reverse)
local start
if rev then start = redis.call('ZCOUNT', key, excl(max), '+inf') else start = redis.call('ZCOUNT', key, '-inf', excl(min)) end
if ARGV[5] then
  local s, m = ARGV[5], ARGV[6]
  local lo, hi
  if rev then
    lo = redis.call('ZCOUNT', key, excl(s), '+inf')
    hi = redis.call('ZCOUNT', key, s, '+inf')
  else
    lo = redis.call('ZCOUNT', key, '-inf', excl(s))
    hi = redis.call('ZCOUNT', key, '-inf', s)
  end
  -- first rank in [lo, hi) whose member comes after m in this direction; hi if none
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    local at = redis.call(rev and 'ZREVRANGE' or 'ZRANGE', key, mid, mid)[1]
    local past
    if rev then past = before(at, m) else past = before(m, at) end
    if past then hi = mid else lo = mid + 1 end
  end
  if lo > start then start = lo end
end
if limit <= 0 then return {} end
local page = redis.call(rev and 'ZREVRANGE' or 'ZRANGE', key, start, start + limit - 1, 'WITHSCORES')
local out = {}
local function num(b)
  if b == '+inf' then return math.huge elseif b == '-inf' then return -math.huge end
  return tonumber(b)
end
local lowest, highest = num(min), num(max)
for i = 1, #page, 2 do
  local score = tonumber(page[i + 1])
  if (rev and score < lowest) or ((not rev) and score > highest) then break end
  out[#out + 1] = page[i]
  out[#out + 1] = page[i + 1]
end
return out
`;

// What the backend needs of its connection. A single Redis and a Cluster differ only in which node
// a command goes to, so the logic in RedisBackend is written once over this.
interface Connection {
  /** Runs one command on the node that owns `firstKey`. */
  send(firstKey: string, readonly: boolean, args: string[]): Promise<unknown>;
  /** HGETALL of every key, in one MULTI per hash slot. */
  readHashes(keys: string[]): Promise<unknown[]>;
  /** The nodes that hold keys: the server itself, or every master of the Cluster. */
  masters(): Promise<NodeConnection[]>;
  close(): Promise<void>;
}

interface NodeConnection {
  scan(match: string): AsyncIterable<string[]>;
  unlink(key: string): Promise<unknown>;
}

export interface RedisOptions {
  /** REDIS_URL names one node of a Redis Cluster; the others are discovered from it. */
  cluster?: boolean;
  /** How long start-up waits for Redis before giving up (default 10 s). */
  connectTimeoutMs?: number;
  /** How long a command may go unanswered before it fails (default 5 s, node-redis's own default). */
  commandTimeoutMs?: number;
}

/** A command Redis did not answer in time (it is hung, or the network to it is). */
export class RedisTimeoutError extends Error {
  readonly code = "redis_timeout";
}

/** Redis did not answer at start-up within the wait; the message says what to check. */
export class RedisUnreachableError extends Error {
  readonly code = "redis_unreachable";
}

/** The URL with its password replaced, fit for a log line or an error. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(an unreadable REDIS_URL)";
  }
}

const CONNECT_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 5_000;

// Reconnects forever, backing off to 2 s: a Redis that comes back is used again without a restart.
const reconnectStrategy = (retries: number) => Math.min(retries * 100, 2_000);

export class RedisBackend implements Backend {
  readonly kind = "redis" as const;
  private readonly commitSha = sha1(COMMIT_SCRIPT);
  private readonly onceSha = sha1(ONCE_SCRIPT);
  private readonly hitSha = sha1(HIT_SCRIPT);
  private readonly readSha = sha1(READ_SCRIPT);
  private readonly rangeSha = sha1(RANGE_SCRIPT);

  private constructor(
    private readonly conn: Connection,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, prefix = "icodrip:", options: RedisOptions = {}): Promise<RedisBackend> {
    const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
    const conn = options.cluster ? await clusterConnection(url, timeoutMs) : await singleConnection(url, timeoutMs);
    return new RedisBackend(watched(conn, options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS), prefix);
  }

  async get(key: string): Promise<Doc | null> {
    const [doc] = await this.getMany([key]);
    return doc;
  }

  async getMany(keys: string[]): Promise<(Doc | null)[]> {
    // A Cluster refuses a script whose keys live in different slots, so each hash tag gets a read
    // of its own. The keys of one list share a workspace tag, so this is nearly always one call.
    const byTag = new Map<string, number[]>();
    keys.forEach((key, i) => {
      const tag = hashTag(this.prefix + key);
      const at = byTag.get(tag);
      if (at) at.push(i);
      else byTag.set(tag, [i]);
    });
    const docs: (Doc | null)[] = new Array<Doc | null>(keys.length).fill(null);
    await Promise.all(
      [...byTag.values()].map(async (at) => {
        const flat = (await this.evalScript(this.readSha, READ_SCRIPT, at.map((i) => this.prefix + keys[i]), [])) as (string | null)[];
        at.forEach((i, j) => {
          const [v, d] = [flat[2 * j], flat[2 * j + 1]];
          docs[i] = v == null || d == null ? null : { version: Number(v), value: d };
        });
      }),
    );
    return docs;
  }

  async range(indexKey: string, q: RangeQuery): Promise<{ member: string; score: number }[]> {
    const key = this.prefix + indexKey;
    const args = [
      q.reverse ? "1" : "0",
      bound(q.min ?? -Infinity),
      bound(q.max ?? Infinity),
      String(q.limit),
      ...(q.after ? [bound(q.after.score), q.after.member] : []),
    ];
    return toPairs(await this.evalScript(this.rangeSha, RANGE_SCRIPT, [key], args));
  }

  async commit(c: Commit): Promise<boolean> {
    const { keys, payload, values } = this.encode(c, 2);
    return Number(await this.evalScript(this.commitSha, COMMIT_SCRIPT, keys, [payload, ...values])) === 1;
  }

  async commitOnce(c: Commit, guard: Guard): Promise<GuardedOutcome> {
    const { keys, payload, values, ref } = this.encode(c, 6);
    const g = [ref(guard.absent), guard.rate ? ref(guard.rate.key) : 0, guard.rate?.windowMs ?? 0, guard.rate?.limit ?? 0].map(String);
    const [outcome, version, value] = (await this.evalScript(this.onceSha, ONCE_SCRIPT, keys, [payload, ...g, ...values])) as string[];
    if (outcome === "exists") return { outcome, doc: { version: Number(version), value } };
    if (outcome === "applied" || outcome === "limited" || outcome === "conflict") return { outcome };
    throw new Error(`the commit script answered ${outcome}`);
  }

  /**
   * A commit as the scripts take it: every key it touches in KEYS (so Redis Cluster routes the
   * call to the node of their one hash tag), the writes as JSON naming keys by position, and the
   * documents' values as the arguments from `firstValueArg` on (ARGV counts from 1), which the
   * JSON names by position too. `ref` adds a further key (commitOnce's guard) to the same list.
   */
  private encode(c: Commit, firstValueArg: number) {
    const keys: string[] = [];
    const index = new Map<string, number>();
    const ref = (key: string): number => {
      let i = index.get(key);
      if (i === undefined) {
        keys.push(this.prefix + key);
        i = keys.length;
        index.set(key, i);
      }
      return i;
    };
    // Plain loops: with flatMap (an array per entry, then flattened) this took 17 µs for a
    // delivery's commit, with loops 5 µs, and it runs for every click and delivery.
    const checks: number[] = [];
    for (const ch of c.checks) checks.push(ref(ch.key), ch.version ?? -1);
    const puts: number[] = [];
    c.puts.forEach((p, i) => puts.push(ref(p.key), firstValueArg + i, p.ttlMs ?? 0));
    const deletes: number[] = [];
    for (const key of c.deletes) deletes.push(ref(key));
    const adds: (number | string)[] = [];
    for (const a of c.indexAdds) adds.push(ref(a.key), a.member, a.score);
    const removes: (number | string)[] = [];
    for (const r of c.indexRemoves) removes.push(ref(r.key), r.member);
    const increments: (number | string)[] = [];
    for (const i of sumIncrements(c.increments ?? [])) if (i.by !== 0) increments.push(ref(i.key), i.field, String(i.by));
    const payload = JSON.stringify({ c: checks, p: puts, d: deletes, a: adds, r: removes, i: increments });
    return { keys, payload, values: c.puts.map((p) => p.value), ref };
  }

  async counters(keys: string[]): Promise<Record<string, number>[]> {
    if (keys.length === 0) return [];
    const replies = await this.conn.readHashes(keys.map((key) => this.prefix + key));
    return replies.map((reply) => {
      const out: Record<string, number> = {};
      // RESP2 answers a flat [field, value, …] list, RESP3 a map.
      if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = Number(reply[i + 1]);
      else if (reply && typeof reply === "object") for (const [f, v] of Object.entries(reply)) out[f] = Number(v);
      return out;
    });
  }

  async hit(key: string, windowMs: number): Promise<number> {
    return Number(await this.evalScript(this.hitSha, HIT_SCRIPT, [this.prefix + key], [String(windowMs)]));
  }

  async close(): Promise<void> {
    await this.conn.close();
  }

  /** Deletes every key under this backend's prefix (tests use a prefix of their own). */
  async dropAll(): Promise<void> {
    for (const node of await this.conn.masters()) {
      for await (const batch of node.scan(`${this.prefix}*`)) {
        // One key per call: a Cluster node refuses a multi-key DEL whose keys span slots.
        await Promise.all(batch.map((key) => node.unlink(key)));
      }
    }
  }

  private async evalScript(sha: string, script: string, keys: string[], args: string[]): Promise<unknown> {
    const tail = [String(keys.length), ...keys, ...args];
    try {
      return await this.conn.send(keys[0], false, ["EVALSHA", sha, ...tail]);
    } catch (error) {
      // Each node keeps its own script cache, so on a Cluster every master loads the script once.
      if (!(error instanceof Error && error.message.includes("NOSCRIPT"))) throw error;
      return this.conn.send(keys[0], false, ["EVAL", script, ...tail]);
    }
  }
}

// Once connected the client reconnects forever, but the first connection is bounded: a server
// pointed at a wrong or closed address stops with a line saying so instead of waiting in silence.
async function connectWithin(
  url: string,
  timeoutMs: number,
  client: { on(event: "error", listener: (error: Error) => void): unknown; connect(): Promise<unknown>; destroy(): void },
): Promise<void> {
  let lastError: Error | null = null;
  // Without a listener node-redis throws on connection errors; the store reports them per call.
  client.on("error", (error) => {
    lastError = error;
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const connected = client.connect().then(
      () => "connected" as const,
      (error: unknown) => {
        lastError = error instanceof Error ? error : new Error(String(error));
        return "failed" as const;
      },
    );
    const outcome = await Promise.race([connected, timedOut]);
    if (outcome === "connected") return;
  } finally {
    clearTimeout(timer);
  }
  client.destroy();
  const password = new URL(url).password;
  const found = lastError as (Error & { code?: string }) | null;
  let cause = found ? (found.code ?? found.message) : "no answer";
  if (password) cause = cause.split(password).join("***").split(decodeURIComponent(password)).join("***");
  throw new RedisUnreachableError(
    `Redis at ${redactRedisUrl(url)} could not be reached within ${Math.round(timeoutMs / 1000)} s (${cause}). ` +
      "Check REDIS_URL (host, port, password, redis:// or rediss://), that Redis is running, and that this machine can reach it.",
  );
}

// node-redis gives every command a timeout of its own: an AbortSignal.timeout (a timer, a weak
// reference, two listeners) per command, which in the bench cost a click about a quarter of its
// CPU, most of it in the garbage collector. It is switched off, and one watch per connection
// (watched, below) gives each command the same deadline for the price of a set entry.
const UNTIMED = { timeout: 0 };

/**
 * The connection with a deadline on every command: one not answered within `timeoutMs` fails with
 * a RedisTimeoutError, so a hung Redis fails requests instead of holding them. A command waits in
 * the newest of three generations, which turn over every half deadline; a generation's commands
 * still waiting when it turns out have waited between one and one and a half deadlines, and fail.
 * An answered command leaves its generation at once, so nothing is kept for the garbage
 * collector to carry, and a late answer after the failure changes nothing (a settled promise
 * stays settled).
 */
function watched(conn: Connection, timeoutMs: number): Connection {
  const generations = [new Set<(error: Error) => void>(), new Set<(error: Error) => void>(), new Set<(error: Error) => void>()];
  const timer = setInterval(
    () => {
      const expired = generations.shift();
      generations.push(new Set());
      if (!expired?.size) return;
      const error = new RedisTimeoutError(`Redis did not answer within ${Math.round(timeoutMs / 100) / 10} s; check that it is running and reachable, and not blocked by a slow command.`);
      for (const fail of expired) fail(error);
    },
    Math.max(5, timeoutMs / 2),
  );
  timer.unref();
  const within = <T>(work: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const generation = generations[2];
      generation.add(reject);
      work.then(
        (value) => {
          generation.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          generation.delete(reject);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  return {
    send: (firstKey, readonly, args) => within(conn.send(firstKey, readonly, args)),
    readHashes: (keys) => within(conn.readHashes(keys)),
    masters: () => conn.masters(),
    close: () => {
      clearInterval(timer);
      return conn.close();
    },
  };
}

async function singleConnection(url: string, timeoutMs: number): Promise<Connection> {
  const client = createClient({ url, socket: { reconnectStrategy }, commandOptions: UNTIMED });
  await connectWithin(url, timeoutMs, client);
  const node = nodeConnection(client);
  return {
    send: (_firstKey, _readonly, args) => client.sendCommand(args),
    readHashes: async (keys) => {
      const multi = client.multi();
      for (const key of keys) multi.hGetAll(key);
      return await multi.exec();
    },
    masters: () => Promise.resolve([node]),
    close: () => client.close(),
  };
}

async function clusterConnection(url: string, timeoutMs: number): Promise<Connection> {
  const { username, password, protocol } = new URL(url);
  const cluster = createCluster({
    rootNodes: [{ url }],
    commandOptions: UNTIMED,
    // Connections to the discovered nodes are made from these defaults alone, not from the URL, so
    // its credentials and TLS are repeated here.
    defaults: {
      username: username ? decodeURIComponent(username) : undefined,
      password: password ? decodeURIComponent(password) : undefined,
      socket: protocol === "rediss:" ? { tls: true, reconnectStrategy } : { reconnectStrategy },
    },
  });
  await connectWithin(url, timeoutMs, cluster);
  return {
    send: (firstKey, readonly, args) => cluster.sendCommand(firstKey, readonly, args),
    readHashes: async (keys) => {
      // One MULTI per slot: a Cluster refuses a transaction across slots.
      const bySlot = new Map<string, number[]>();
      keys.forEach((key, i) => {
        const tag = hashTag(key);
        const at = bySlot.get(tag);
        if (at) at.push(i);
        else bySlot.set(tag, [i]);
      });
      const out: unknown[] = new Array<unknown>(keys.length);
      await Promise.all(
        [...bySlot.values()].map(async (at) => {
          const multi = cluster.multi(keys[at[0]]);
          for (const i of at) multi.hGetAll(keys[i]);
          const replies = await multi.exec();
          at.forEach((i, j) => (out[i] = replies[j]));
        }),
      );
      return out;
    },
    masters: () => Promise.all(cluster.masters.map(async (master) => nodeConnection(await cluster.nodeClient(master)))),
    close: () => cluster.close(),
  };
}

interface NodeClient {
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<unknown>;
  unlink(key: string): Promise<unknown>;
}

function nodeConnection(client: NodeClient): NodeConnection {
  return {
    scan: (match) => client.scanIterator({ MATCH: match, COUNT: 500 }) as AsyncIterable<string[]>,
    unlink: (key) => client.unlink(key),
  };
}

/** What Redis hashes to find a key's slot: the first non-empty {…} section, else the whole key. */
export function hashTag(key: string): string {
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) return key.slice(open + 1, close);
  }
  return key;
}

/** A score bound as Redis spells it: the infinities as +inf and -inf, a number as itself. */
function bound(n: number): string {
  return n === Infinity ? "+inf" : n === -Infinity ? "-inf" : String(n);
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function toPairs(reply: unknown): { member: string; score: number }[] {
  const flat = reply as unknown[];
  const pairs: { member: string; score: number }[] = [];
  for (let i = 0; i < flat.length; i++) {
    const item = flat[i];
    // RESP3 answers [member, score] pairs; RESP2 a flat list.
    if (Array.isArray(item)) pairs.push({ member: String(item[0]), score: Number(item[1]) });
    else pairs.push({ member: String(item), score: Number(flat[++i]) });
  }
  return pairs;
}
