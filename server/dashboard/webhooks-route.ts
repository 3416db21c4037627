import type { RequestHandler } from "express";
import { z } from "zod";
import type { AppContext } from "../http/context.js";
import { sendDashboard } from "./layout.js";
import { oneOf, pageCursor } from "./query.js";
import { memberPage } from "./signed-in.js";
import { OUTCOMES, webhooksPage } from "./webhooks-page.js";

const PAGE_SIZE = 50;
const query = z.object({ outcome: oneOf(OUTCOMES), cursor: pageCursor });

export function webhooksRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (req, res, signedIn) => {
    const { outcome, cursor } = query.parse(req.query);
    const page = await ctx.store.listDeliveries(signedIn.workspace.id, { limit: PAGE_SIZE, cursor, outcome });
    const body = webhooksPage({ rows: page.data, outcome, cursor, nextCursor: page.nextCursor });
    sendDashboard(res, { title: "Webhook deliveries", tab: "webhooks", signedIn, body });
  });
}
