import type { RequestHandler } from "express";
import type { AppContext } from "../http/context.js";
import { collect } from "./collect.js";
import { sendDashboard } from "./layout.js";
import { programsPage } from "./programs-page.js";
import { memberPage } from "./signed-in.js";

// A merchant's programme is a handful of programs; past the caps the page says so and the API
// has the rest (as on the Affiliates tab).
const MAX_PROGRAMS = 100;
const MAX_AFFILIATES = 1000;

export function programsRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (_req, res, signedIn) => {
    const w = signedIn.workspace.id;
    const [programs, affiliates] = await Promise.all([
      collect((cursor) => ctx.store.listPrograms(w, { limit: 100, cursor }), MAX_PROGRAMS),
      collect((cursor) => ctx.store.listAffiliates(w, { limit: 100, cursor }), MAX_AFFILIATES),
    ]);
    const affiliateCount = new Map<string, number>();
    for (const a of affiliates.items) affiliateCount.set(a.programId, (affiliateCount.get(a.programId) ?? 0) + 1);
    const body = programsPage({
      publicUrl: ctx.config.publicUrl,
      // Oldest first, like a register (the store lists newest first).
      programs: [...programs.items].reverse(),
      affiliateCount,
      truncated: programs.truncated,
    });
    sendDashboard(res, { title: "Programs", tab: "programs", signedIn, body, script: "programs" });
  });
}
