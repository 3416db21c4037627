import type { Affiliate, Click, Conversion, Lead, Link, Program, WebhookDelivery } from "../domain/types.js";
import { conversionStatusAt } from "../domain/status.js";

// What the API shows of each record: no workspace ids, no hashes; times as ISO strings.

const iso = (ms: number | null) => (ms == null ? null : new Date(ms).toISOString());

export function presentProgram(p: Program) {
  const { workspaceId: _w, createdAt, ...rest } = p;
  return { ...rest, createdAt: iso(createdAt) };
}

export function presentAffiliate(a: Affiliate) {
  const { workspaceId: _w, createdAt, ...rest } = a;
  return { ...rest, createdAt: iso(createdAt) };
}

export function presentLink(l: Link, publicUrl: string) {
  const { workspaceId: _w, createdAt, ...rest } = l;
  return { ...rest, url: `${publicUrl}/r/${l.code}`, createdAt: iso(createdAt) };
}

export function presentClick(c: Click) {
  const { workspaceId: _w, ipHash: _ip, createdAt, expiresAt, ...rest } = c;
  return { ...rest, createdAt: iso(createdAt), expiresAt: iso(expiresAt) };
}

export function presentConversion(c: Conversion, now: number) {
  const { workspaceId: _w, createdAt, paidAt, approvesAt, baseCommission: _b, ...rest } = c;
  return {
    ...rest,
    // Conversions recorded before the explanation existed have none.
    matchDetail: c.matchDetail ?? null,
    status: conversionStatusAt(c, now),
    createdAt: iso(createdAt),
    paidAt: iso(paidAt),
    approvesAt: iso(approvesAt),
  };
}

export function presentLead(l: Lead) {
  const { workspaceId: _w, createdAt, source, ...rest } = l;
  return { ...rest, source: source ?? "browser", createdAt: iso(createdAt) };
}

export function presentDelivery(d: WebhookDelivery) {
  const { workspaceId: _w, receivedAt, count, verified, ...rest } = d;
  return { ...rest, count: count ?? 1, verified: verified ?? true, receivedAt: iso(receivedAt) };
}
