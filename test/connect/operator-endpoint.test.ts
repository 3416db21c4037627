import Stripe from "stripe";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ICODRIP_EVENTS } from "../../server/stripe/connect/events.js";
import { storeKinds } from "../support/stores.js";
import { connectWithOAuth, member, requestsTo, startRig, type Rig } from "./harness.js";

// An operator who made the platform's Connect endpoint by hand and set STRIPE_WEBHOOK_SECRET:
// Icodrip uses that endpoint and its secret, creates none of its own, and mends it in place.

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`the operator's own Connect endpoint on the ${kind.name} store`, () => {
    let rig: Rig;
    let endpoint: Stripe.WebhookEndpoint;
    beforeAll(async () => {
      rig = await startRig(kind, { env: { STRIPE_WEBHOOK_SECRET: "whsec_operatorMadeThisOne" } });
      const platform = new Stripe(rig.emulator.platformKey, { ...rig.emulator.stripeConfig, maxNetworkRetries: 0 });
      endpoint = await platform.webhookEndpoints.create({
        url: `${rig.server.url}/webhooks/stripe`,
        connect: true,
        enabled_events: ["checkout.session.completed", "invoice.paid"],
      });
    });
    afterAll(async () => {
      await rig.stop();
    });

    it("connects without creating an endpoint, mending the operator's endpoint in place", async () => {
      const { key, browser } = await member(rig);
      await connectWithOAuth(rig, browser);
      // Only the operator's own create above: Icodrip made none.
      expect(requestsTo(rig, "POST", "/v1/webhook_endpoints")).toHaveLength(1);
      expect(await rig.server.store.getPlatformEndpoint(false)).toBeNull();
      const [mended] = rig.emulator.webhookEndpoints();
      expect(mended.id).toBe(endpoint.id);
      expect([...mended.enabledEvents].sort()).toEqual([...ICODRIP_EVENTS].sort());

      rig.emulator.disableEndpoint(endpoint.id);
      const status = (await rig.server.api("GET", "/api/v1/integrations/stripe", { key })).body;
      expect(status.status).toBe("needs_repair");
      expect(status.accounts[0].webhook.id).toBe(endpoint.id);
      expect(status.accounts[0].problem).toMatch(/^Webhook endpoint disabled: /);

      const repaired = await rig.server.api("POST", "/api/v1/integrations/stripe/repair-webhooks", { key });
      expect(repaired.body.status).toBe("connected");
      expect(rig.emulator.webhookEndpoints().map((e) => [e.id, e.status])).toEqual([[endpoint.id, "enabled"]]);
      expect(await rig.server.store.getPlatformEndpoint(false)).toBeNull();
    });
  });
}
