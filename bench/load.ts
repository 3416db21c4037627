import http from "node:http";

export interface Shot {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

/** Sends `total` requests with `concurrency` in flight over keep-alive; answers requests per second. */
export async function measure(url: string, total: number, concurrency: number, shot: (i: number) => Shot = () => ({})): Promise<{ rps: number; statuses: Map<number, number> }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = new Map<number, number>();
  let next = 0;
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const { method = "GET", headers = {}, body } = shot(i);
      const req = http.request(url, { method, agent, headers }, (res) => {
        statuses.set(res.statusCode ?? 0, (statuses.get(res.statusCode ?? 0) ?? 0) + 1);
        res.resume();
        res.on("end", () => resolve());
      });
      req.on("error", reject);
      req.end(body);
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
