import { z } from "zod";
import type { Figures } from "./figures.js";

// The reports' answers as the API writes them (zod first, so OpenAPI describes the same shape).

const money = z.strictObject({ currency: z.string(), amount: z.number().int() });
const commission = z.strictObject({
  currency: z.string(),
  pending: z.number().int(),
  approved: z.number().int(),
  paid: z.number().int(),
  reversed: z.number().int(),
  onHold: z.number().int(),
});

export const figuresOut = z.strictObject({
  clicks: z.number().int(),
  conversions: z.number().int(),
  unattributed: z.number().int(),
  revenue: z.array(money),
  commission: z.array(commission),
});

const range = { from: z.string(), to: z.string() };

export const reportSummaryOut = figuresOut.extend(range);
export const reportTimeseriesOut = z.strictObject({
  ...range,
  interval: z.literal("day"),
  data: z.array(figuresOut.extend({ date: z.string() })),
});
export const reportAffiliatesOut = z.strictObject({
  ...range,
  data: z.array(figuresOut.extend({ affiliateId: z.string(), programId: z.string(), name: z.string().nullable(), code: z.string().nullable() })),
});
export const reportVersionOut = z.strictObject({ version: z.string(), conversions: z.number().int(), clicks: z.number().int() });

export function presentFigures(f: Figures): z.infer<typeof figuresOut> {
  return {
    clicks: f.clicks,
    conversions: f.conversions,
    unattributed: f.unattributed,
    revenue: f.revenue.map((m) => ({ currency: m.currency, amount: m.amount })),
    commission: f.commission.map((c) => ({ currency: c.currency, pending: c.pending, approved: c.approved, paid: c.paid, reversed: c.reversed, onHold: c.onHold })),
  };
}
