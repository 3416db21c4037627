import type { Express } from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { newId } from "../../server/domain/ids.js";
import type { Conversion } from "../../server/domain/types.js";
import { createApp } from "../../server/http/app.js";
import { componentRef, responseRegistry, responseSchemas } from "../../server/http/openapi.js";
import { Ledger } from "../../server/store/ledger.js";
import { storeKinds } from "../support/stores.js";
import { startTestServer, type TestServer } from "../support/server.js";

// GET /api/v1/openapi.json against the router it describes and the answers the API really gives.
//
// No JSON Schema validator is installed (ajv is not a dependency), so answers are validated with
// the zod schemas the document's components are generated from, reached through the document
// itself (operation → status → $ref → component name), and the components are checked to be
// exactly z.toJSONSchema of those zod schemas.

type Doc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
};
type Operation = {
  parameters: { name: string; in: string; required: boolean }[];
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
  security: Record<string, string[]>[];
};

const METHODS = ["get", "post", "put", "patch", "delete"];

// ---- the router's own list of routes ----

type Layer = { rawPath?: unknown; route?: { path: unknown; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } };

/** "METHOD /full/path" for every route in the router stack, joining the prefixes of nested routers. */
function routerRoutes(stack: Layer[], prefix = ""): string[] {
  const found: string[] = [];
  for (const layer of stack) {
    if (layer.route) {
      // A route may answer several paths (router.options(["/t/click", "/t/lead"])).
      const paths: unknown[] = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const path of paths) {
        if (typeof path !== "string") throw new Error(`a route with a non-string path under ${prefix || "/"}: describe it by hand`);
        for (const method of Object.keys(layer.route.methods).filter((m) => m !== "_all")) found.push(`${method} ${prefix}${path}`);
      }
    } else if (layer.handle?.stack) {
      // router 2's Layer keeps the path it was mounted at as rawPath: "/" for `use(router)`.
      if (typeof layer.rawPath !== "string") throw new Error(`a router mounted at a non-string path under ${prefix}`);
      found.push(...routerRoutes(layer.handle.stack, layer.rawPath === "/" ? prefix : prefix + layer.rawPath));
    }
  }
  return found;
}

const apiRoutesOf = (app: Express) =>
  routerRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack)
    .filter((r) => r.split(" ")[1].startsWith("/api/v1/"))
    .map((r) => r.replace(/:([A-Za-z0-9_]+)/g, "{$1}"));

const documentedRoutes = (doc: Doc) => Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m} ${path}`));

/** What the document lacks and what it names that the router does not have. */
function coverage(app: Express, doc: Doc) {
  const routes = new Set(apiRoutesOf(app));
  const documented = new Set(documentedRoutes(doc));
  return { undocumented: [...routes].filter((r) => !documented.has(r)).sort(), unrouted: [...documented].filter((r) => !routes.has(r)).sort() };
}

// ---- JSON pointers and validation through the document ----

function resolvePointer(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const part = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (typeof node !== "object" || node === null || !(part in node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, out));
  else if (typeof node === "object" && node !== null) {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

/** The document's operation for a concrete request path, by matching its path templates. */
function operationFor(doc: Doc, method: string, path: string): { template: string; operation: Operation } {
  const bare = path.split("?")[0];
  for (const [template, item] of Object.entries(doc.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`);
    const operation = (item as Partial<typeof item>)[method.toLowerCase()]; // a path need not have every method
    if (pattern.test(bare) && operation) return { template, operation };
  }
  throw new Error(`the document has no operation for ${method} ${bare}`);
}

for (const kind of storeKinds) {
  describe.runIf(kind.available)(`OpenAPI document on the ${kind.name} store`, () => {
    let server: TestServer;
    let doc: Doc;
    beforeAll(async () => {
      server = await startTestServer(kind);
      const res = await server.api("GET", "/api/v1/openapi.json");
      doc = res.body as Doc;
    });
    afterAll(async () => {
      await server.stop();
    });

    it("is served without a key, cacheable, as OpenAPI 3.1 whose every $ref resolves", async () => {
      const res = await server.api("GET", "/api/v1/openapi.json");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.headers.get("cache-control")).toMatch(/public/);
      expect(res.headers.get("etag")).toBeTruthy();
      expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
      expect(doc.info.title).toBe("Icodrip API");
      expect(doc.info.version).toMatch(/^\d+\.\d+\.\d+/);
      expect(Object.keys(doc.paths).length).toBeGreaterThan(20);
      expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Program", "Conversion", "Error", "ProgramPage"]));

      const refs = refsIn(doc);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) expect(resolvePointer(doc, ref), ref).toBeDefined();
      for (const [template, item] of Object.entries(doc.paths)) {
        expect(template.startsWith("/api/v1/"), template).toBe(true);
        for (const [method, op] of Object.entries(item)) {
          // Every {param} of the template is declared, and every declared path param is in it.
          const named = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
          const declared = op.parameters.filter((p) => p.in === "path").map((p) => p.name).sort();
          expect(declared, `${method} ${template}`).toEqual(named);
          expect(Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)), `${method} ${template} has a success answer`).toBe(true);
          for (const requirement of op.security) for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes).toHaveProperty(scheme);
        }
      }
      // The dashboard's writes also take the session cookie; reads take the key only.
      expect(doc.paths["/api/v1/programs"].post.security).toEqual([{ apiKey: [] }, { session: [] }]);
      expect(doc.paths["/api/v1/programs"].get.security).toEqual([{ apiKey: [] }]);
      expect(doc.paths["/api/v1/openapi.json"].get.security).toEqual([]);
    });

    it("has exactly z.toJSONSchema of the presenters' zod schemas as its components", () => {
      const { schemas } = z.toJSONSchema(responseRegistry, {
        uri: componentRef,
        override: ({ jsonSchema }) => {
          if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
        },
      });
      const expected = Object.fromEntries(Object.entries(schemas).map(([name, { $schema: _s, $id: _i, ...json }]) => [name, json]));
      expect(doc.components.schemas).toEqual(JSON.parse(JSON.stringify(expected)));
      expect(Object.keys(doc.components.schemas).sort()).toEqual(Object.keys(responseSchemas).sort());
    });

    it("describes every route the router has under /api/v1, and none it does not have", () => {
      const app = createApp(server.ctx);
      const routes = apiRoutesOf(app);
      // The walk reaches into the nested /api/v1 router (and past the session-or-key guard).
      expect(routes).toEqual(expect.arrayContaining(["post /api/v1/signup", "get /api/v1/programs/{id}", "post /api/v1/leads", "delete /api/v1/integrations/stripe/{accountId}"]));
      expect(coverage(app, doc)).toEqual({ undocumented: [], unrouted: [] });
    });

    it("notices a route added without a description, and a description without a route", () => {
      const app = createApp(server.ctx);
      const mounted = (app as unknown as { router: { stack: (Layer & { handle: { get?: unknown } })[] } }).router.stack.find((l) => l.rawPath === "/api/v1");
      if (!mounted) throw new Error("no router mounted at /api/v1");
      (mounted.handle as unknown as { get(path: string, fn: () => void): void }).get("/forecasts/:id", () => {});
      const extra: Doc = { ...doc, paths: { ...doc.paths, "/api/v1/reports/yearly": { get: doc.paths["/api/v1/programs"].get } } };
      expect(coverage(app, extra)).toEqual({ undocumented: ["get /api/v1/forecasts/{id}"], unrouted: ["get /api/v1/reports/yearly"] });
    });

    it("validates the answers of a walk through every route against the document", async () => {
      const seen = new Set<string>();
      /** Calls the API and checks the answer against the shape the document gives for that route and status. */
      const call = async (method: string, path: string, options: { key?: string; body?: unknown; headers?: Record<string, string> } = {}) => {
        const res = await server.api(method, path, options);
        const { template, operation } = operationFor(doc, method, path);
        seen.add(`${method.toLowerCase()} ${template}`);
        const where = `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`;
        const response = operation.responses[String(res.status)];
        expect(response, `the document lists status ${res.status} for ${where}`).toBeDefined();
        if (response.content?.["text/csv"]) {
          expect(res.headers.get("content-type"), where).toMatch(/^text\/csv/);
          const columns = (response.content["text/csv"].schema as { description?: string }).description ?? "";
          const header = String(res.body).split("\r\n")[0];
          expect(columns, where).toContain(header.split(",").join(", "));
          return res;
        }
        const ref = response.content?.["application/json"]?.schema.$ref;
        if (!ref) {
          expect(res.body, where).toBeNull();
          return res;
        }
        const name = ref.replace(componentRef(""), "") as keyof typeof responseSchemas;
        const result = responseSchemas[name].safeParse(res.body);
        expect(result.error?.issues ?? [], where).toEqual([]);
        return res;
      };

      // Signup and the documentation itself, without a key.
      await call("GET", "/api/v1/openapi.json");
      const signedUp = await call("POST", "/api/v1/signup", { body: { email: `${newId("mem")}@example.com`, password: "correct horse battery", workspace: "Walk" } });
      const key = signedUp.body.apiKey as string;
      const workspaceId = signedUp.body.workspace.id as string;
      await call("POST", "/api/v1/signup", { body: { email: "nope", password: "short" } });

      // Programs.
      const program = await call("POST", "/api/v1/programs", { key, body: { name: "Shop", url: "https://shop.example.com", commission: { type: "fixed", amount: 500, currency: "usd" } } });
      expect(program.status).toBe(201);
      await call("POST", "/api/v1/programs", { key, body: { name: "" } });
      await call("POST", "/api/v1/programs", { key, body: "{not json" });
      await call("POST", "/api/v1/programs", { key, body: { name: "x".repeat(200_000) } });
      await call("POST", "/api/v1/programs", { body: { name: "No key" } });
      await call("GET", "/api/v1/programs?limit=1", { key });
      await call("GET", "/api/v1/programs?limit=500", { key });
      await call("GET", "/api/v1/programs", {});
      await call("GET", `/api/v1/programs/${program.body.id}`, { key });
      await call("GET", "/api/v1/programs/prg_missing", { key });
      await call("PATCH", `/api/v1/programs/${program.body.id}`, { key, body: { recurring: { type: "months", months: 12 }, commission: { type: "percent", percent: 12.5 } } });
      await call("PATCH", `/api/v1/programs/${program.body.id}`, { key, body: { cookieDays: 0 } });

      // Affiliates.
      const affiliate = await call("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: "Ann Lee", email: "ann@example.com", code: "ann" } });
      expect(affiliate.status).toBe(201);
      await call("POST", "/api/v1/affiliates", { key, body: { programId: program.body.id, name: "Ann Again", email: "ann2@example.com", code: "ann" } });
      await call("POST", "/api/v1/affiliates", { key, body: { programId: "prg_missing", name: "Bo", email: "bo@example.com" } });
      await call("GET", `/api/v1/affiliates?programId=${program.body.id}&status=active`, { key });
      await call("GET", `/api/v1/affiliates/${affiliate.body.id}`, { key });
      await call("PATCH", `/api/v1/affiliates/${affiliate.body.id}`, { key, body: { name: "Ann B. Lee" } });
      await call("DELETE", `/api/v1/programs/${program.body.id}`, { key });

      // Links.
      const link = await call("POST", "/api/v1/links", { key, body: { affiliateId: affiliate.body.id, path: "/pricing" } });
      expect(link.status).toBe(201);
      await call("GET", `/api/v1/links?affiliateId=${affiliate.body.id}`, { key });
      await call("GET", `/api/v1/links/${link.body.id}`, { key });
      await call("PATCH", `/api/v1/links/${link.body.id}`, { key, body: { path: null } });
      await call("PATCH", `/api/v1/links/${link.body.id}`, { key, body: { path: "//elsewhere.example" } });
      await call("DELETE", `/api/v1/affiliates/${affiliate.body.id}`, { key });

      // Promotion codes.
      const promo = await call("POST", "/api/v1/promo-codes", { key, body: { affiliateId: affiliate.body.id, code: "SPRING24", stripePromotionCodeId: "promo_1walk" } });
      expect(promo.status).toBe(201);
      await call("POST", "/api/v1/promo-codes", { key, body: { affiliateId: affiliate.body.id, code: "spring24" } });
      await call("POST", "/api/v1/promo-codes", { key, body: { affiliateId: "aff_missing", code: "NOPE" } });
      await call("GET", `/api/v1/promo-codes?affiliateId=${affiliate.body.id}`, { key });
      await call("DELETE", `/api/v1/promo-codes/${promo.body.id}`, { key });
      await call("DELETE", `/api/v1/promo-codes/${promo.body.id}`, { key });

      // A click from the snippet, and a server-side lead from it.
      const clicked = await server.api("POST", "/t/click", { body: { program: program.body.key, code: "ann", url: "https://shop.example.com/?via=ann" } });
      expect(clicked.status).toBe(200);
      await call("GET", "/api/v1/clicks", { key });
      await call("GET", "/api/v1/clicks?from=2020-01-01T00:00:00Z&to=9999999999999", { key });
      await call("POST", "/api/v1/leads", { key, body: { clickId: clicked.body.clickId, email: "Buyer@Example.com" } });
      await call("POST", "/api/v1/leads", { key, body: { clickId: clicked.body.clickId, email: "buyer@example.com" } });
      await call("POST", "/api/v1/leads", { key, body: { clickId: "icd_unknownclickid00000", email: "buyer@example.com" } });

      // A conversion and a webhook delivery as the Stripe side records them.
      const now = Date.now();
      const conversion: Conversion = {
        id: newId("cnv"),
        workspaceId,
        programId: null,
        affiliateId: null,
        clickId: null,
        amount: 4200,
        currency: "usd",
        baseCommission: { amount: 0, currency: "usd" },
        commission: { amount: 0, currency: "usd" },
        status: "unattributed",
        livemode: false,
        matchedBy: null,
        reason: "The payment carried no click id and no known email.",
        selfReferral: false,
        refundedAmount: 0,
        customerEmail: "buyer@example.com",
        kind: "one_time",
        stripe: { accountId: "acct_1", eventId: "evt_1", checkoutSessionId: "cs_1", paymentIntentId: "pi_1", invoiceId: null, chargeId: null, customerId: null, subscriptionId: null },
        createdAt: now,
        paidAt: now,
        approvesAt: now,
      };
      await server.store.transact((unit) => new Ledger(unit, workspaceId).saveConversion(conversion, null, []));
      await server.store.addDelivery({
        id: newId("whd"),
        workspaceId,
        eventId: "evt_1",
        type: "checkout.session.completed",
        accountId: "acct_1",
        livemode: false,
        apiVersion: "2025-01-01",
        receivedAt: now,
        outcome: "unattributed",
        message: "No click matched.",
      });
      await call("GET", "/api/v1/conversions?status=unattributed&livemode=false", { key });
      await call("GET", "/api/v1/conversions?status=paid", { key });
      await call("GET", "/api/v1/conversions/export.csv?livemode=false", { key });
      await call("GET", "/api/v1/conversions/export.csv?status=paid", { key });
      await call("GET", `/api/v1/conversions/${conversion.id}`, { key });
      await call("GET", "/api/v1/conversions/cnv_missing", { key });
      await call("POST", `/api/v1/conversions/${conversion.id}/attribute`, { key, body: { affiliateId: affiliate.body.id } });
      await call("POST", `/api/v1/conversions/${conversion.id}/attribute`, { key, body: { affiliateId: "aff_missing" } });
      // A portal sign-in link for the affiliate, and for one that does not exist.
      await call("POST", `/api/v1/affiliates/${affiliate.body.id}/portal-link`, { key });
      await call("POST", "/api/v1/affiliates/aff_missing/portal-link", { key });

      // The reports over what was just written, and a range they refuse.
      await call("GET", "/api/v1/reports/summary", { key });
      await call("GET", `/api/v1/reports/summary?programId=${program.body.id}&livemode=false`, { key });
      await call("GET", "/api/v1/reports/summary?from=2026-02-30", { key });
      await call("GET", "/api/v1/reports/timeseries?interval=day", { key });
      await call("GET", "/api/v1/reports/timeseries?from=2020-01-01&to=2026-01-01", { key });
      await call("GET", `/api/v1/reports/affiliates?affiliateId=${affiliate.body.id}`, { key });
      await call("GET", "/api/v1/reports/version", { key });
      const run = await call("POST", "/api/v1/payouts", { key, body: { livemode: false } });
      await call("POST", "/api/v1/payouts", { key, body: { before: "yesterday" } });
      await call("GET", "/api/v1/payouts?status=pending", { key });
      await call("GET", "/api/v1/payouts/export.csv?format=generic&status=pending", { key });
      await call("GET", "/api/v1/payouts/export.csv?format=venmo", { key });
      await call("GET", "/api/v1/payouts/po_missing", { key });
      await call("POST", "/api/v1/payouts/po_missing/paid", { key, body: { reference: "batch-1" } });
      await call("POST", "/api/v1/payouts/po_missing/cancel", { key });
      expect(run.status).toBe(201);
      await call("GET", "/api/v1/webhook-deliveries?outcome=unattributed", { key });
      const deliveries = await call("GET", "/api/v1/webhook-deliveries", { key });
      expect(deliveries.body.data).toHaveLength(1);

      // The Stripe integration (not connected: no Stripe is reached).
      await call("GET", "/api/v1/integrations/stripe", { key });
      await call("GET", "/api/v1/integrations/stripe");
      await call("POST", "/api/v1/integrations/stripe", { key, body: { restrictedKey: "sk_test_123" } });
      await call("POST", "/api/v1/integrations/stripe/repair-webhooks", { key });
      await call("DELETE", "/api/v1/integrations/stripe/acct_nothere?livemode=false", { key });

      // The account: keys by API key; password and sessions belong to a signed-in member.
      const created = await call("POST", "/api/v1/api-keys", { key });
      await call("GET", "/api/v1/api-keys", { key });
      await call("DELETE", `/api/v1/api-keys/${created.body.id}`, { key });
      await call("DELETE", "/api/v1/api-keys/key_missing", { key });
      await call("POST", "/api/v1/password", { key, body: { currentPassword: "correct horse battery", newPassword: "a new long password" } });
      await call("DELETE", "/api/v1/sessions", { key });

      // Deleting, last: the link, then the program's affiliate (a 409 before), then the program.
      await call("DELETE", `/api/v1/links/${link.body.id}`, { key });
      await call("DELETE", `/api/v1/affiliates/${affiliate.body.id}`, { key });
      await call("DELETE", `/api/v1/programs/${program.body.id}`, { key });
      await call("DELETE", `/api/v1/links/${link.body.id}`, { key });

      // The walk touched every operation the document has.
      expect([...seen].sort()).toEqual(documentedRoutes(doc).sort());
    });
  });
}
