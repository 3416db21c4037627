import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { createClient } from "redis";

// A real Redis Cluster of three masters for the tests, made of child processes in a temporary
// folder, so the Redis store is tried against the same slot rules a production cluster enforces.

const MASTERS = 3;
const HOST = "127.0.0.1";

export interface LocalCluster {
  /** a node of the cluster; clients discover the others from it */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

/** Answers why a cluster cannot be started here, or null when it can. */
export function clusterUnavailable(): string | null {
  for (const tool of ["redis-server", "redis-cli"]) {
    const probe = spawnSync(tool, ["--version"], { stdio: "ignore" });
    if (probe.error || probe.status !== 0) return `${tool} is not installed (install it: apt-get install redis-server)`;
  }
  return null;
}

export async function startLocalCluster(): Promise<LocalCluster> {
  const dir = mkdtempSync(join(tmpdir(), "icodrip-cluster-"));
  const nodes: ChildProcess[] = [];
  // A worker that dies without running its hooks must not leave servers behind.
  const killAll = () => nodes.forEach((node) => node.kill("SIGKILL"));
  process.once("exit", killAll);
  const stop = async () => {
    process.off("exit", killAll);
    await Promise.all(nodes.map((node) => stopNode(node)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < MASTERS; i++) {
      const { node, port } = await startNode(dir);
      nodes.push(node);
      ports.push(port);
    }
    await promisify(execFile)(
      "redis-cli",
      ["--cluster", "create", ...ports.map((p) => `${HOST}:${p}`), "--cluster-replicas", "0", "--cluster-yes"],
      { timeout: 30_000 },
    );
    await waitUntilServing(ports);
    return { url: `redis://${HOST}:${ports[0]}`, ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// The OS hands out free ports; another process may take one before redis-server binds it, so a
// node that cannot bind gets fresh ports a few times before the start gives up.
async function startNode(dir: string): Promise<{ node: ChildProcess; port: number }> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port, busPort] = await freePorts(2);
    try {
      return { node: await spawnNode(dir, port, busPort), port };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function spawnNode(dir: string, port: number, busPort: number): Promise<ChildProcess> {
  const args = [
    "--cluster-enabled", "yes",
    "--cluster-config-file", join(dir, `nodes-${port}.conf`),
    // An explicit bus port: the default (port + 10000) may be taken, or beyond 65535 for a high port.
    "--cluster-port", String(busPort),
    "--save", "",
    "--appendonly", "no",
    "--port", String(port),
    "--bind", HOST,
    "--daemonize", "no",
  ];
  const node = spawn("redis-server", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let log = "";
    const onOutput = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4_000);
      if (log.includes("Ready to accept connections")) {
        node.off("exit", onExit);
        resolve(node);
      }
    };
    const onExit = (code: number | null) => reject(new Error(`redis-server on port ${port} exited (${String(code)}) before it was ready:\n${log}`));
    // The output is read to the end, or a full pipe would stall the server.
    node.stdout.on("data", onOutput);
    node.stderr.on("data", onOutput);
    node.once("exit", onExit);
    node.once("error", reject);
  });
}

// `redis-cli --cluster create` returns once the nodes agree on the slots; each node declares the
// cluster ok a moment later, and a client that connects before that is refused with CLUSTERDOWN.
async function waitUntilServing(ports: number[]): Promise<void> {
  const clients = ports.map((port) => createClient({ socket: { host: HOST, port, reconnectStrategy: false } }));
  try {
    await Promise.all(clients.map((client) => client.connect()));
    for (let attempt = 0; attempt < 200; attempt++) {
      const infos = await Promise.all(clients.map((client) => client.sendCommand<string>(["CLUSTER", "INFO"])));
      const ready = infos.every((info) => {
        const text = info;
        return text.includes("cluster_state:ok") && text.includes(`cluster_known_nodes:${ports.length}`);
      });
      if (ready) return;
      await delay(25);
    }
    throw new Error(`the local Redis Cluster on ports ${ports.join(", ")} did not reach cluster_state:ok`);
  } finally {
    await Promise.all(clients.filter((client) => client.isOpen).map((client) => client.close()));
  }
}

function stopNode(node: ChildProcess): Promise<void> {
  if (node.exitCode !== null || node.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    node.once("exit", () => resolve());
    // Nothing is persisted (--save "", no AOF), so there is nothing to lose to SIGKILL.
    node.kill("SIGKILL");
  });
}

async function freePorts(count: number): Promise<number[]> {
  // All are held open together, so the same port is not handed out twice.
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const server = createServer();
      return new Promise<typeof server>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, HOST, () => resolve(server));
      });
    }),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP port was assigned");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
