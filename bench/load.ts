import http from "node:http";

/** Sends `total` GET requests with `concurrency` in flight over keep-alive; answers requests per second. */
export async function measure(url: string, total: number, concurrency: number, headers: (i: number) => Record<string, string> = () => ({})): Promise<{ rps: number; statuses: Map<number, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const req = http.get(url, { agent, headers: headers(i) }, (res) => {
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", reject);
    });
  const worker = async () => {
    while (next < total) await one(next++);
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  return { rps: total / seconds, statuses };
}
