import type { RequestHandler } from "express";
import { z } from "zod";
import { conversionStatusAt } from "../domain/status.js";
import type { Affiliate, Conversion } from "../domain/types.js";
import type { AppContext } from "../http/context.js";
import { collect } from "./collect.js";
import { CONVERSION_STATUSES, conversionsPage, type ConversionsView } from "./conversions-page.js";
import { sendDashboard } from "./layout.js";
import { anId, oneOf, pageCursor } from "./query.js";
import { memberPage } from "./signed-in.js";

const PAGE_SIZE = 50;
const MAX_PROGRAMS = 100;
const MAX_CHOICES = 500;

const filters = z.object({
  status: oneOf(CONVERSION_STATUSES),
  programId: anId,
  mode: oneOf(["test", "live"] as const),
  cursor: pageCursor,
});

// Read from the store on every view (and every refresh the page's script makes), so a payment
// Stripe just reported is on the page without anything to restart or rebuild.
export function conversionsRoute(ctx: AppContext): RequestHandler {
  return memberPage(ctx, async (req, res, signedIn) => {
    const workspaceId = signedIn.workspace.id;
    const { cursor, ...f } = filters.parse(req.query);
    const now = ctx.now();
    const statusOf = (c: Conversion) => conversionStatusAt(c, now);
    const [page, programs] = await Promise.all([
      ctx.store.listConversions(workspaceId, {
        limit: PAGE_SIZE,
        cursor,
        programId: f.programId,
        match: (c) => (!f.status || statusOf(c) === f.status) && (!f.mode || c.livemode === (f.mode === "live")),
      }),
      collect((c) => ctx.store.listPrograms(workspaceId, { limit: 100, cursor: c }), MAX_PROGRAMS),
    ]);

    const named = [...new Set(page.data.map((c) => c.affiliateId).filter((id): id is string => id !== null))];
    const found = await Promise.all(named.map((id) => ctx.store.getAffiliate(workspaceId, id)));
    const affiliates = new Map(found.filter((a): a is Affiliate => a !== null).map((a) => [a.id, a]));
    // The whole affiliate list is only needed for the Attribute action's select box.
    const needsChoices = page.data.some((c) => statusOf(c) === "unattributed");
    const choices = needsChoices ? (await collect((c) => ctx.store.listAffiliates(workspaceId, { limit: 100, cursor: c }), MAX_CHOICES)).items : [];

    const view: ConversionsView = { rows: page.data, statusOf, programs: programs.items, affiliates, choices, filters: f, cursor, nextCursor: page.nextCursor };
    sendDashboard(res, { title: "Conversions", tab: "conversions", signedIn, body: conversionsPage(view), script: "conversions" });
  });
}
