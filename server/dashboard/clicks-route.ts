import type { RequestHandler } from "express";
import { z } from "zod";
import type { Affiliate } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { clicksPage } from "./clicks-page.js";
import { sendDashboard } from "./layout.js";
import { pageCursor } from "./query.js";
import { memberPage } from "./signed-in.js";

const PAGE_SIZE = 50;
const query = z.object({ cursor: pageCursor });

export function clicksRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (req, res, signedIn) => {
    const w = signedIn.workspace.id;
    const { cursor } = query.parse(req.query);
    const page = await ctx.store.listClicks(w, { limit: PAGE_SIZE, cursor });
    // Only the affiliates this page names: a click list can be long, the roster longer.
    const ids = [...new Set(page.data.map((c) => c.affiliateId))];
    const found = await Promise.all(ids.map((id) => ctx.store.getAffiliate(w, id)));
    const affiliates = new Map(found.filter((a): a is Affiliate => a !== null).map((a) => [a.id, a]));
    sendDashboard(res, { title: "Clicks", tab: "clicks", signedIn, body: clicksPage({ rows: page.data, affiliates, cursor, nextCursor: page.nextCursor }) });
  });
}
