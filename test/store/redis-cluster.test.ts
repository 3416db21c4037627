import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { newId, newLinkCode } from "../../server/domain/ids.js";
import { hashApiKey } from "../../server/domain/password.js";
import type { Conversion, WebhookDelivery } from "../../server/domain/types.js";
import { ConfigError, loadConfig } from "../../server/config/config.js";
import { keys } from "../../server/store/keys.js";
import { openStore } from "../../server/store/open-store.js";
import { hashTag, RedisBackend } from "../../server/store/redis-backend.js";
import type { Store } from "../../server/store/store.js";
import { clusterKind, localCluster } from "../support/cluster-store.js";
import type { StoreHandle } from "../support/stores.js";
import { affiliate as makeAffiliate, click as makeClick, createWorkspace, program as makeProgram } from "../support/records.js";

// The contract suite proves the store behaves on a Cluster; these prove why: each workspace's keys
// sit in one slot, workspaces spread over the masters, and the Cluster really refuses what the
// store must never do (a commit across slots), so a green suite is not a lenient single node.

const connectNode = (port: number) => createClient({ socket: { host: "127.0.0.1", port } }).connect();
type NodeClient = Awaited<ReturnType<typeof connectNode>>;

const SECRET = "test-secret-test-secret-test-secret-0123";

describe("REDIS_CLUSTER", () => {
  it("is off unless set to true, and needs REDIS_URL", () => {
    const base = { ICODRIP_SECRET: SECRET, DATA_DIR: "./.unused", REDIS_URL: "redis://10.0.0.1:7000" };
    expect(loadConfig(base).store).not.toHaveProperty("cluster");
    expect(loadConfig({ ...base, REDIS_CLUSTER: "false" }).store).not.toHaveProperty("cluster");
    expect(loadConfig({ ...base, REDIS_CLUSTER: "true" }).store).toMatchObject({ kind: "redis", cluster: true });
    expect(() => loadConfig({ ...base, REDIS_CLUSTER: "yes" })).toThrow('REDIS_CLUSTER is "yes": it should be true or false.');
    expect(() => loadConfig({ ...base, REDIS_URL: undefined, REDIS_CLUSTER: "true" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, REDIS_URL: undefined, REDIS_CLUSTER: "true" })).toThrow(/^REDIS_URL is missing/);
  });
});

describe.runIf(clusterKind.available)("Redis store on a Redis Cluster", () => {
  let handle: StoreHandle;
  let store: Store;
  let nodes: { port: number; client: NodeClient }[];

  beforeAll(async () => {
    handle = await clusterKind.open();
    store = handle.store;
    const { ports } = await localCluster();
    nodes = await Promise.all(
      ports.map(async (port) => ({ port, client: await connectNode(port) })),
    );
  });

  afterAll(async () => {
    await Promise.all(nodes.map(({ client }) => client.close()));
    await handle.destroy();
  });

  const backend = () => redisBackend(store.backend);

  async function slotOf(key: string): Promise<number> {
    return Number(await nodes[0].client.sendCommand(["CLUSTER", "KEYSLOT", key]));
  }

  /** The port of the master serving a slot, from the cluster's own view. */
  async function masterOf(slot: number): Promise<number> {
    const table = await nodes[0].client.sendCommand<string>(["CLUSTER", "NODES"]);
    for (const line of table.trim().split("\n")) {
      const [, address, flags, , , , , , ...ranges] = line.split(" ");
      if (!flags.includes("master")) continue;
      for (const range of ranges) {
        const [low, high = low] = range.split("-").map(Number);
        if (slot >= low && slot <= high) return Number(address.split(":")[1].split("@")[0]);
      }
    }
    throw new Error(`no master serves slot ${slot}`);
  }

  /** Every key on every master whose name contains `part`, with the port of the node holding it. */
  async function keysOnMasters(part: string): Promise<{ key: string; port: number }[]> {
    const found: { key: string; port: number }[] = [];
    for (const { port, client } of nodes) {
      for await (const batch of client.scanIterator({ MATCH: `*${part}*`, COUNT: 500 })) {
        for (const key of batch) found.push({ key, port });
      }
    }
    return found;
  }

  /** A workspace with a bit of everything a merchant makes, written through the store. */
  async function busyWorkspace() {
    const { ws, key: apiKey } = await createWorkspace(store);
    const program = makeProgram(ws.id);
    await store.createProgram(program);
    const affiliate = makeAffiliate(program, "ann");
    await store.createAffiliate(affiliate);
    await store.createLink({
      id: newId("lnk"),
      workspaceId: ws.id,
      programId: program.id,
      affiliateId: affiliate.id,
      code: newLinkCode(),
      path: "/pricing",
      createdAt: Date.now(),
    });
    const click = makeClick(program, affiliate);
    await store.recordClick(click, "visitor", 30 * 60 * 1000);
    await store.putLead({ workspaceId: ws.id, programId: program.id, email: "buyer@example.com", clickId: click.id, createdAt: Date.now() }, 60_000);
    const conversion = { id: newId("cnv"), workspaceId: ws.id, programId: program.id, affiliateId: affiliate.id, createdAt: Date.now() };
    await store.recordEventOnce(ws.id, `evt_${ws.id}`, async (u) => {
      u.write(keys.conversion(ws.id, conversion.id), conversion);
      u.index(keys.conversions(ws.id), conversion.id, conversion.createdAt);
      u.index(keys.conversionsOfAffiliate(ws.id, affiliate.id), conversion.id, conversion.createdAt);
      u.write(keys.paymentRef(ws.id, `cs_${ws.id}`), { conversionId: conversion.id });
    });
    const delivery: WebhookDelivery = {
      id: newId("whd"),
      workspaceId: ws.id,
      eventId: `evt_${ws.id}`,
      type: "checkout.session.completed",
      accountId: `acct_${ws.id.replace(/\W/g, "")}`,
      livemode: false,
      apiVersion: "2026-10-28.endive",
      receivedAt: Date.now(),
      outcome: "processed",
      message: "ok",
    };
    await store.addDelivery(delivery);
    return { ws, apiKey, program, affiliate, click, conversion: conversion as unknown as Conversion };
  }

  it("keeps every key of a workspace in its one slot, with workspaces spread over different masters", async () => {
    // Workspace ids are random, so make workspaces until two of them hash to different masters.
    const made: { made: Awaited<ReturnType<typeof busyWorkspace>>; slot: number; master: number }[] = [];
    for (let i = 0; i < 20 && new Set(made.map((m) => m.master)).size < 2; i++) {
      const one = await busyWorkspace();
      const slot = await slotOf(`{ws:${one.ws.id}}`);
      made.push({ made: one, slot, master: await masterOf(slot) });
    }
    const a = made[0];
    const b = made.find((m) => m.master !== a.master);
    expect(b, "two workspaces on different masters").toBeDefined();

    for (const { made: w, slot, master } of [a, b!]) {
      const found = await keysOnMasters(`{ws:${w.ws.id}}`);
      // workspace, member, API key, program + index, affiliate + code + 2 indexes, link + 2 indexes,
      // click + repeat marker + 3 indexes, lead, conversion + 2 indexes + payment ref, event,
      // delivery + index.
      expect(found.length).toBeGreaterThanOrEqual(25);
      expect(new Set(found.map((f) => f.port))).toEqual(new Set([master]));
      for (const { key } of found) expect(await slotOf(key), key).toBe(slot);

      expect((await store.workspaceByApiKeyHash(hashApiKey(w.apiKey)))?.id).toBe(w.ws.id);
      expect((await store.programByKey(w.program.key))?.id).toBe(w.program.id);
      expect((await store.listClicks(w.ws.id, { limit: 10, affiliateId: w.affiliate.id })).data.map((c) => c.id)).toEqual([w.click.id]);
      expect((await store.listConversions(w.ws.id, { limit: 10 })).data.map((c) => c.id)).toEqual([w.conversion.id]);
      expect((await store.listDeliveries(w.ws.id, { limit: 10 })).data).toHaveLength(1);
      expect(await store.eventRecorded(w.ws.id, `evt_${w.ws.id}`)).toBe(true);
    }
  });

  it("reads one batch whose keys live on different masters", async () => {
    const docs: { id: string; key: string }[] = [];
    const masters = new Set<number>();
    for (let i = 0; i < 20 && masters.size < 3; i++) {
      const id = newId("ws");
      const key = keys.workspace(id);
      await backend().commit({ checks: [], puts: [{ key, value: JSON.stringify({ id }) }], deletes: [], indexAdds: [], indexRemoves: [] });
      docs.push({ id, key });
      masters.add(await masterOf(await slotOf(`{ws:${id}}`)));
    }
    expect(masters.size).toBeGreaterThan(1);
    const read = await backend().getMany([...docs.map((d) => d.key), keys.workspace("missing"), docs[0].key]);
    expect(read.map((doc) => (doc ? JSON.parse(doc.value).id : null))).toEqual([...docs.map((d) => d.id), null, docs[0].id]);
  });

  it("groups a batch read by what the Cluster hashes, odd braces included", async () => {
    const tricky = ["{ws:a}:x", "p:{ws:a}:y", "ws:a", "{}ws:a", "{ws:a}{ws:b}", "a{}{ws:b}", "{{ws:a}}", "ws:b", "x{ws:b", "plain"];
    for (const key of tricky) {
      expect(await slotOf(key), key).toBe(await slotOf(hashTag(key)));
    }
  });

  it("is refused by the Cluster when a commit would span two slots", async () => {
    let other = newId("ws");
    const first = newId("ws");
    const firstSlot = await slotOf(`{ws:${first}}`);
    for (let i = 0; i < 20 && (await slotOf(`{ws:${other}}`)) === firstSlot; i++) other = newId("ws");
    const put = (id: string) => ({ key: keys.workspace(id), value: "{}" });
    await expect(
      backend().commit({ checks: [], puts: [put(first), put(other)], deletes: [], indexAdds: [], indexRemoves: [] }),
    ).rejects.toThrow(/CROSSSLOT/);
    expect(await backend().getMany([keys.workspace(first), keys.workspace(other)])).toEqual([null, null]);
  });

  it("opens a cluster store from the configuration", async () => {
    const { url } = await localCluster();
    const prefix = `icodrip-test:${randomBytes(6).toString("hex")}:`;
    const config = loadConfig({ ICODRIP_SECRET: SECRET, DATA_DIR: "./.unused", REDIS_URL: url, REDIS_CLUSTER: "true", REDIS_PREFIX: prefix });
    const opened = await openStore(config);
    try {
      // A plain client on the one node in REDIS_URL would be answered MOVED for the buckets that
      // hash to the other two masters.
      const buckets = Array.from({ length: 12 }, (_, i) => `config-${i}`);
      const masters = new Set(await Promise.all(buckets.map(async (b) => masterOf(await slotOf(prefix + keys.global.rate(b))))));
      expect(masters.size).toBe(3);
      for (const bucket of buckets) expect(await opened.hit(bucket, 60_000)).toBe(1);
    } finally {
      await redisBackend(opened.backend).dropAll();
      await opened.close();
    }
  });

  it("drops the keys of its prefix from every master", async () => {
    const spread = new Set<number>();
    for (let i = 0; i < 20 && spread.size < 3; i++) {
      const id = newId("ws");
      await backend().commit({ checks: [], puts: [{ key: keys.workspace(id), value: "{}" }], deletes: [], indexAdds: [], indexRemoves: [] });
      spread.add(await masterOf(await slotOf(`{ws:${id}}`)));
    }
    expect(spread.size).toBe(3);
    expect((await keysOnMasters("icodrip-test:")).length).toBeGreaterThan(0);
    await backend().dropAll();
    expect(await keysOnMasters("icodrip-test:")).toEqual([]);
  });
});

function redisBackend(backend: unknown): RedisBackend {
  if (!(backend instanceof RedisBackend)) throw new Error("this suite runs on a Redis store only");
  return backend;
}
