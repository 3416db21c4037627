import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Router } from "express";
import { packageRoot } from "../../package-root.js";
import type { AppContext } from "../context.js";
import { ApiError } from "../errors.js";

export function publicRoutes(ctx: AppContext): Router {
  const router = Router();
  const snippetPath = join(packageRoot(), "dist", "snippet.js");
  let snippet: Promise<Buffer> | null = null;

  router.get("/healthz", (_req, res) => {
    res.json({ ok: true, store: ctx.store.kind });
  });

  router.get("/snippet.js", async (_req, res) => {
    snippet ??= readFile(snippetPath);
    const code = await snippet.catch(() => {
      snippet = null;
      throw new ApiError(503, "snippet_not_built", "The snippet is not built; run `npm run build` on the server.");
    });
    res
      .type("application/javascript; charset=utf-8")
      .set("Cache-Control", "public, max-age=300")
      .set("Access-Control-Allow-Origin", "*")
      .set("Cross-Origin-Resource-Policy", "cross-origin")
      .send(code);
  });

  return router;
}
