import { seal } from "../../crypto/seal.js";
import type { StripeConnection } from "../../domain/types.js";
import type { AppContext } from "../../http/context.js";

/**
 * A fresh "connected" record for an account, however it was connected: the token is sealed, and
 * a reconnection keeps the time the last event arrived.
 */
export async function connectedAccount(
  ctx: AppContext,
  c: Pick<StripeConnection, "workspaceId" | "accountId" | "livemode" | "method" | "webhook"> & { token: string },
): Promise<StripeConnection> {
  const previous = await ctx.store.getConnection(c.workspaceId, c.accountId, c.livemode);
  return {
    workspaceId: c.workspaceId,
    accountId: c.accountId,
    livemode: c.livemode,
    method: c.method,
    sealedToken: seal(ctx.config.secret, "stripe-token", c.token),
    webhook: c.webhook,
    status: "connected",
    lastEventAt: previous?.lastEventAt ?? null,
    problem: null,
    connectedAt: ctx.now(),
  };
}
