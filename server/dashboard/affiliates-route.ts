import type { RequestHandler } from "express";
import type { Affiliate } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { presentLink } from "../http/present.js";
import { affiliatesPage } from "./affiliates-page.js";
import { collect } from "./collect.js";
import { sendDashboard } from "./layout.js";
import { memberPage } from "./signed-in.js";

// Whole lists, capped: a merchant's programme is a handful of programs and some hundreds of
// affiliates; past the caps the page says so and the API has the rest.
const MAX_PROGRAMS = 100;
const MAX_AFFILIATES = 1000;
const MAX_LINKS = 2000;

export function affiliatesRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (_req, res, signedIn) => {
    const w = signedIn.workspace.id;
    const [programs, affiliates, links, codes] = await Promise.all([
      collect((cursor) => ctx.store.listPrograms(w, { limit: 100, cursor }), MAX_PROGRAMS),
      collect((cursor) => ctx.store.listAffiliates(w, { limit: 100, cursor }), MAX_AFFILIATES),
      collect((cursor) => ctx.store.listLinks(w, { limit: 100, cursor }), MAX_LINKS),
      collect((cursor) => ctx.store.listPromoCodes(w, { limit: 100, cursor }), MAX_LINKS),
    ]);
    // The store lists newest first; a program's roster reads better oldest first, like a register.
    const affiliatesOf = groupBy([...affiliates.items].reverse(), (a: Affiliate) => a.programId);
    const linksOf = groupBy(
      [...links.items].reverse().map((l) => ({ link: l, url: presentLink(l, ctx.config.publicUrl).url })),
      (l) => l.link.affiliateId,
    );
    const body = affiliatesPage({
      publicUrl: ctx.config.publicUrl,
      programs: [...programs.items].reverse(),
      affiliatesOf,
      linksOf,
      codesOf: groupBy([...codes.items].reverse(), (c) => c.affiliateId),
      truncated: programs.truncated || affiliates.truncated || links.truncated || codes.truncated,
    });
    sendDashboard(res, { title: "Affiliates", tab: "affiliates", signedIn, body, script: "affiliates" });
  });
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item));
    if (list) list.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
