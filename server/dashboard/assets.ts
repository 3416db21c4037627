import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RequestHandler } from "express";
import { ApiError } from "../http/errors.js";
import { packageRoot } from "../package-root.js";

// The dashboard's scripts: TypeScript modules in ./browser, bundled by rollup into
// dist/dashboard/ (rollup.config.ts) and loaded by the pages as same-origin module scripts, so
// the pages' CSP allows 'self' scripts and no inline one. Only these names are served.

/** Each page's entry script; `layout` (sign-out) is in every page and the others import it. */
export const DASHBOARD_SCRIPTS = ["layout", "programs", "affiliates", "conversions", "integrations", "account", "portal", "overview", "affiliate", "payouts"] as const;
export type DashboardScript = (typeof DASHBOARD_SCRIPTS)[number];

export const scriptPath = (name: DashboardScript) => `/dashboard/assets/${name}.js`;

/**
 * The chunks rollup makes of the modules several entries share (named in rollup.config.ts):
 * `shared` holds the helpers (browser/page.ts, live.ts), apart since the portal's script loads no
 * dashboard layout; `records` the record actions, create and program forms and Copy buttons that
 * the Programs and Affiliates tabs (and any page showing those records) load.
 */
export const SHARED_CHUNKS = ["shared", "records"] as const;
type Served = DashboardScript | (typeof SHARED_CHUNKS)[number];

const isScript = (name: string): name is Served => (DASHBOARD_SCRIPTS as readonly string[]).includes(name) || (SHARED_CHUNKS as readonly string[]).includes(name);

/** GET /dashboard/assets/:file — a built script, read once; 404 for any other name. */
export function dashboardAssets(): RequestHandler {
  const dir = join(packageRoot(), "dist", "dashboard");
  const cache = new Map<Served, Promise<Buffer>>();
  return async (req, res) => {
    const name = /^([a-z]+)\.js$/.exec(String(req.params.file))?.[1] ?? "";
    if (!isScript(name)) throw new ApiError(404, "not_found", "There is no such dashboard script.");
    let code = cache.get(name);
    if (!code) cache.set(name, (code = readFile(join(dir, `${name}.js`))));
    const body = await code.catch(() => {
      cache.delete(name);
      throw new ApiError(503, "dashboard_not_built", "The dashboard's scripts are not built; run `npm run build` on the server.");
    });
    // The same URL serves a new build after an upgrade, so browsers revalidate (the ETag makes
    // that a 304) instead of running an old script against a new page.
    res.type("text/javascript; charset=utf-8").set("Cache-Control", "no-cache").send(body);
  };
}
