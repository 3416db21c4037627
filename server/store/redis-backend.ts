import { createHash } from "node:crypto";
import { createClient, type RedisClientType } from "redis";
import type { Backend, Commit, Doc, RangeQuery } from "./backend.js";

// A document is a hash {v: version, d: json}. The commit script checks every expected version and
// then applies every write, all inside one Lua call, so it is atomic; every key it touches is
// passed in KEYS (one hash tag per commit) so Redis Cluster routes it to one node.
const COMMIT_SCRIPT = `
local c = cjson.decode(ARGV[1])
for _, ch in ipairs(c.c) do
  local v = redis.call('HGET', KEYS[ch[1]], 'v')
  if ch[2] < 0 then
    if v then return 0 end
  elseif (not v) or tonumber(v) ~= ch[2] then
    return 0
  end
end
for _, p in ipairs(c.p) do
  local k = KEYS[p[1]]
  redis.call('HINCRBY', k, 'v', 1)
  redis.call('HSET', k, 'd', p[2])
  if p[3] > 0 then redis.call('PEXPIRE', k, p[3]) else redis.call('PERSIST', k) end
end
for _, d in ipairs(c.d) do redis.call('DEL', KEYS[d]) end
for _, a in ipairs(c.a) do redis.call('ZADD', KEYS[a[1]], a[3], a[2]) end
for _, r in ipairs(c.r) do redis.call('ZREM', KEYS[r[1]], r[2]) end
return 1
`;

const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
`;

export class RedisBackend implements Backend {
  readonly kind = "redis" as const;
  private readonly commitSha = sha1(COMMIT_SCRIPT);
  private readonly hitSha = sha1(HIT_SCRIPT);

  private constructor(
    private readonly client: RedisClientType,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, prefix = "icodrip:"): Promise<RedisBackend> {
    const client: RedisClientType = createClient({
      url,
      socket: { reconnectStrategy: (retries) => Math.min(retries * 100, 2_000) },
    });
    // Without a listener node-redis throws on connection errors; the store reports them per call.
    client.on("error", () => {});
    await client.connect();
    return new RedisBackend(client, prefix);
  }

  async get(key: string): Promise<Doc | null> {
    const [doc] = await this.getMany([key]);
    return doc;
  }

  async getMany(keys: string[]): Promise<(Doc | null)[]> {
    if (keys.length === 0) return [];
    const multi = this.client.multi();
    for (const key of keys) multi.hmGet(this.prefix + key, ["v", "d"]);
    const replies = (await multi.exec()) as unknown as (string | null)[][];
    return replies.map(([v, d]) => (v == null || d == null ? null : { version: Number(v), value: d }));
  }

  async range(indexKey: string, q: RangeQuery): Promise<{ member: string; score: number }[]> {
    let low = q.min ?? -Infinity;
    let high = q.max ?? Infinity;
    if (q.after) {
      if (q.reverse) high = Math.min(high, q.after.score);
      else low = Math.max(low, q.after.score);
    }
    // Ties on the cursor's score are settled by member below, so fetch a little more than asked.
    const count = q.limit + 64;
    const args = q.reverse
      ? ["ZRANGE", this.prefix + indexKey, bound(high), bound(low), "BYSCORE", "REV"]
      : ["ZRANGE", this.prefix + indexKey, bound(low), bound(high), "BYSCORE"];
    args.push("LIMIT", "0", String(count), "WITHSCORES");
    const reply = (await this.client.sendCommand(args)) as unknown;
    const pairs = toPairs(reply);
    const after = q.after;
    const filtered = after
      ? pairs.filter((p) =>
          q.reverse
            ? p.score < after.score || (p.score === after.score && p.member < after.member)
            : p.score > after.score || (p.score === after.score && p.member > after.member),
        )
      : pairs;
    return filtered.slice(0, q.limit);
  }

  async commit(c: Commit): Promise<boolean> {
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
    const payload = {
      c: c.checks.map((ch) => [ref(ch.key), ch.version ?? -1]),
      p: c.puts.map((p) => [ref(p.key), p.value, p.ttlMs ?? 0]),
      d: c.deletes.map((k) => ref(k)),
      a: c.indexAdds.map((a) => [ref(a.key), a.member, a.score]),
      r: c.indexRemoves.map((r) => [ref(r.key), r.member]),
    };
    const result = await this.evalScript(this.commitSha, COMMIT_SCRIPT, keys, [JSON.stringify(payload)]);
    return Number(result) === 1;
  }

  async hit(key: string, windowMs: number): Promise<number> {
    return Number(await this.evalScript(this.hitSha, HIT_SCRIPT, [this.prefix + key], [String(windowMs)]));
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Deletes every key under this backend's prefix (tests use a prefix of their own). */
  async dropAll(): Promise<void> {
    for await (const batch of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 500 })) {
      const keys = batch as unknown as string[];
      if (keys.length > 0) await this.client.del(keys);
    }
  }

  private async evalScript(sha: string, script: string, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.client.evalSha(sha, { keys, arguments: args });
    } catch (error) {
      if (!String((error as Error).message).includes("NOSCRIPT")) throw error;
      return this.client.eval(script, { keys, arguments: args });
    }
  }
}

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
