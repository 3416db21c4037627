import type { Config } from "./config.js";

// Both requests go to `${api}/t/<kind>` and name the program, so that much is said once, here.
// text/plain makes this a "simple" request, so the browser sends no CORS preflight: one round trip
// (the server parses the JSON anyway). keepalive lets it finish when the visitor navigates away at
// once; no cookie of Icodrip's origin is ever needed. Being async, a fetch that throws at once
// (blocked, or replaced by something odd) turns into a rejection the caller handles.
export const post = async (config: Config, kind: "click" | "lead", body: object): Promise<Response> => {
  return fetch(`${config.api}/t/${kind}`, {
    method: "POST",
    body: JSON.stringify({ program: config.program, ...body }),
    headers: { "Content-Type": "text/plain" },
    keepalive: true,
    credentials: "omit",
  });
};
