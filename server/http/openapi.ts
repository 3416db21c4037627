import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Router } from "express";
import { z } from "zod";
import { packageRoot } from "../package-root.js";
import {
  affiliateOut,
  apiKeyCreated,
  apiKeyList,
  clickOut,
  conversionOut,
  deliveryOut,
  errorOut,
  integrationStatusOut,
  leadOut,
  linkOut,
  pageOf,
  promoCodeOut,
  programOut,
  signupOut,
} from "./present.js";
import { accountParam, disconnectQuery, restrictedKeyBody } from "./routes/integrations.js";
import { affiliateList } from "./routes/affiliates.js";
import { attributeBody, clickList, CONVERSION_COLUMNS, conversionExport, conversionList, deliveryList } from "./routes/activity.js";
import { keyParam, passwordBody } from "./routes/account.js";
import { leadCreate } from "./routes/leads.js";
import { linkList } from "./routes/links.js";
import { promoCodeList } from "./routes/promo-codes.js";
import { signupBody } from "./routes/signup.js";
import { affiliateCreate, affiliateUpdate, idParam, linkCreate, linkUpdate, listQuery, programCreate, programUpdate, promoCodeCreate } from "./schemas.js";
import { SESSION_COOKIE } from "./session.js";
import { reportQuery, timeseriesQuery } from "../reports/routes.js";
import { GENERIC_PAYOUT_COLUMNS } from "../payouts/export.js";
import { payoutCreate, payoutExport, payoutList, payoutOut, payoutPageOut, payoutPaid, payoutRunOut } from "../payouts/routes.js";
import { reportAffiliatesOut, reportSummaryOut, reportTimeseriesOut, reportVersionOut } from "../reports/present.js";

// GET /api/v1/openapi.json: an OpenAPI 3.1 description of every /api/v1 route, generated from
// the zod schemas the routes parse their requests with and the ones the presenters' return types
// come from. One list below names every route; test/api/openapi.test.ts fails when the router
// and this list disagree, and validates real answers against the document.

// ---- response shapes: each becomes #/components/schemas/<name> ----

export const responseSchemas = {
  Program: programOut,
  ProgramPage: pageOf(programOut),
  Affiliate: affiliateOut,
  AffiliatePage: pageOf(affiliateOut),
  Link: linkOut,
  LinkPage: pageOf(linkOut),
  PromoCode: promoCodeOut,
  PromoCodePage: pageOf(promoCodeOut),
  Click: clickOut,
  ClickPage: pageOf(clickOut),
  Conversion: conversionOut,
  ConversionPage: pageOf(conversionOut),
  WebhookDelivery: deliveryOut,
  WebhookDeliveryPage: pageOf(deliveryOut),
  IntegrationStatus: integrationStatusOut,
  Lead: leadOut,
  ApiKeyList: apiKeyList,
  ApiKeyCreated: apiKeyCreated,
  Signup: signupOut,
  PortalLink: z.strictObject({ url: z.string(), expiresAt: z.iso.datetime() }),
  ReportSummary: reportSummaryOut,
  ReportTimeseries: reportTimeseriesOut,
  ReportAffiliates: reportAffiliatesOut,
  ReportVersion: reportVersionOut,
  Payout: payoutOut,
  PayoutPage: payoutPageOut,
  PayoutRun: payoutRunOut,
  Error: errorOut,
  OpenApiDocument: z.looseObject({ openapi: z.string(), info: z.looseObject({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) }),
} as const;

export type ResponseName = keyof typeof responseSchemas;

/** The registry z.toJSONSchema turns into components; a schema used inside another becomes a $ref. */
export const responseRegistry = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries(responseSchemas)) responseRegistry.add(schema, { id });

export const componentRef = (name: string) => `#/components/schemas/${name}`;

// ---- the routes ----

type Method = "get" | "post" | "patch" | "delete";
/**
 * none: anyone; apiKey: `Authorization: Bearer`; apiKeyOrSession: the key, or the dashboard's
 * session cookie (changes from Icodrip's own Origin only); session: a signed-in member (a key
 * gets through the door but answers 403 session_required).
 */
type Auth = "none" | "apiKey" | "apiKeyOrSession" | "session";

export interface ApiRoute {
  method: Method;
  /** as the router spells it, under /api/v1: "/programs/:id" */
  path: string;
  summary: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** success statuses: the shape answered, null for no body, or the columns of a CSV answer */
  ok: Partial<Record<number, ResponseName | null | { csv: readonly string[] }>>;
  /** error statuses besides those its auth (401, 403), params, query and body (400, 413, 415) bring */
  errors?: number[];
}

const list = (what: string, name: ResponseName, query: z.ZodObject): Omit<ApiRoute, "path"> => ({
  method: "get",
  summary: `List ${what}, newest first; pass nextCursor back as cursor for the next page.`,
  auth: "apiKey",
  query,
  ok: { 200: name },
});

export const apiRoutes: ApiRoute[] = [
  { method: "get", path: "/openapi.json", summary: "This description of the API (OpenAPI 3.1).", auth: "none", ok: { 200: "OpenApiDocument" } },
  {
    method: "post",
    path: "/signup",
    summary: "Create a workspace with its first member and API key (when signup is open). The key is shown this once.",
    auth: "none",
    body: signupBody,
    ok: { 201: "Signup" },
    errors: [403, 429, 503],
  },

  { method: "get", path: "/integrations/stripe", summary: "The Stripe integration's status, checked live against Stripe.", auth: "apiKeyOrSession", ok: { 200: "IntegrationStatus" } },
  {
    method: "post",
    path: "/integrations/stripe",
    summary: "Connect a Stripe account with a restricted key (rk_…); Icodrip registers its webhook endpoint there.",
    auth: "apiKeyOrSession",
    body: restrictedKeyBody,
    ok: { 201: "IntegrationStatus" },
    errors: [409, 422, 502],
  },
  {
    method: "post",
    path: "/integrations/stripe/repair-webhooks",
    summary: "Re-create or mend the webhook endpoints of every connected account; answers the status after.",
    auth: "apiKeyOrSession",
    ok: { 200: "IntegrationStatus" },
  },
  {
    method: "delete",
    path: "/integrations/stripe/:accountId",
    summary: "Disconnect a Stripe account (livemode picks one of a test and a live connection); answers the status after.",
    auth: "apiKeyOrSession",
    params: accountParam,
    query: disconnectQuery,
    ok: { 200: "IntegrationStatus" },
    errors: [404, 502],
  },

  { method: "post", path: "/programs", summary: "Create a program.", auth: "apiKeyOrSession", body: programCreate, ok: { 201: "Program" } },
  { path: "/programs", ...list("programs", "ProgramPage", listQuery) },
  { method: "get", path: "/programs/:id", summary: "Get a program.", auth: "apiKey", params: idParam, ok: { 200: "Program" }, errors: [404] },
  {
    method: "patch",
    path: "/programs/:id",
    summary: "Change a program (status disabled: its tracking links still redirect to the site but record no click and set no referral); fields left out stay as they are.",
    auth: "apiKeyOrSession",
    params: idParam,
    body: programUpdate,
    ok: { 200: "Program" },
    errors: [404],
  },
  { method: "delete", path: "/programs/:id", summary: "Delete a program that has no affiliates left.", auth: "apiKeyOrSession", params: idParam, ok: { 204: null }, errors: [404, 409] },

  {
    method: "post",
    path: "/affiliates",
    summary: "Add an affiliate to a program; without a code one is made from the name.",
    auth: "apiKeyOrSession",
    body: affiliateCreate,
    ok: { 201: "Affiliate" },
    errors: [404, 409],
  },
  { path: "/affiliates", ...list("affiliates", "AffiliatePage", affiliateList) },
  { method: "get", path: "/affiliates/:id", summary: "Get an affiliate.", auth: "apiKey", params: idParam, ok: { 200: "Affiliate" }, errors: [404] },
  {
    method: "patch",
    path: "/affiliates/:id",
    summary: "Change an affiliate (name, email, code, status; pending → active approves one who joined, gives them a first link and mails them a sign-in link; disabled: their links redirect without recording clicks and they cannot sign in); fields left out stay as they are.",
    auth: "apiKeyOrSession",
    params: idParam,
    body: affiliateUpdate,
    ok: { 200: "Affiliate" },
    errors: [404, 409],
  },
  { method: "delete", path: "/affiliates/:id", summary: "Delete an affiliate that has no links or promotion codes left.", auth: "apiKeyOrSession", params: idParam, ok: { 204: null }, errors: [404, 409] },
  {
    method: "post",
    path: "/affiliates/:id/portal-link",
    summary: "A single-use sign-in link to the affiliates' portal for this affiliate, valid 7 days; it voids the affiliate's older links.",
    auth: "apiKeyOrSession",
    params: idParam,
    ok: { 201: "PortalLink" },
    errors: [404, 409],
  },

  {
    method: "post",
    path: "/links",
    summary: "Create a tracking link (PUBLIC_URL/r/<code>) for an affiliate, optionally to a path on the program's site.",
    auth: "apiKeyOrSession",
    body: linkCreate,
    ok: { 201: "Link" },
    errors: [404, 409],
  },
  { path: "/links", ...list("links", "LinkPage", linkList) },
  { method: "get", path: "/links/:id", summary: "Get a link.", auth: "apiKey", params: idParam, ok: { 200: "Link" }, errors: [404] },
  {
    method: "patch",
    path: "/links/:id",
    summary: "Change a link's deep-link path (null: the site's home) or status (disabled: it still redirects, recording no click); its code and affiliate stay.",
    auth: "apiKeyOrSession",
    params: idParam,
    body: linkUpdate,
    ok: { 200: "Link" },
    errors: [404],
  },
  { method: "delete", path: "/links/:id", summary: "Delete a link: its URL stops leading to the site; clicks it recorded stay.", auth: "apiKeyOrSession", params: idParam, ok: { 204: null }, errors: [404] },

  {
    method: "post",
    path: "/promo-codes",
    summary: "Tie a Stripe promotion code (by its text, and its promo_… id when given) to an affiliate: payments made with it are that affiliate's.",
    auth: "apiKeyOrSession",
    body: promoCodeCreate,
    ok: { 201: "PromoCode" },
    errors: [404, 409],
  },
  { path: "/promo-codes", ...list("promotion codes tied to affiliates", "PromoCodePage", promoCodeList) },
  {
    method: "delete",
    path: "/promo-codes/:id",
    summary: "Untie a promotion code: payments made with it from then on are not attributed by it.",
    auth: "apiKeyOrSession",
    params: idParam,
    ok: { 204: null },
    errors: [404],
  },

  { path: "/clicks", ...list("clicks", "ClickPage", clickList) },
  { path: "/conversions", ...list("conversions (payments seen through Stripe, with their commission)", "ConversionPage", conversionList) },
  {
    method: "get",
    path: "/conversions/export.csv",
    summary: "Every conversion the list's filters select, as CSV (amounts in major units with their currency); a spreadsheet formula in a cell is neutralised.",
    auth: "apiKeyOrSession",
    query: conversionExport,
    ok: { 200: { csv: CONVERSION_COLUMNS } },
  },
  { method: "get", path: "/conversions/:id", summary: "Get a conversion.", auth: "apiKey", params: idParam, ok: { 200: "Conversion" }, errors: [404] },
  {
    method: "post",
    path: "/conversions/:id/attribute",
    summary: "Give a conversion to an affiliate by hand (an unattributed or wrongly attributed payment).",
    auth: "apiKeyOrSession",
    params: idParam,
    body: attributeBody,
    ok: { 200: "Conversion" },
    errors: [404, 409],
  },
  {
    method: "get",
    path: "/reports/summary",
    summary: "Clicks, conversions, revenue and commission (pending, approved, paid, reversed, on hold) per currency over a range of UTC days (default the last 30).",
    auth: "apiKeyOrSession",
    query: reportQuery,
    ok: { 200: "ReportSummary" },
  },
  {
    method: "get",
    path: "/reports/timeseries",
    summary: "The summary's figures for each UTC day of the range, days without activity included.",
    auth: "apiKeyOrSession",
    query: timeseriesQuery,
    ok: { 200: "ReportTimeseries" },
  },
  {
    method: "get",
    path: "/reports/affiliates",
    summary: "The summary's figures for each affiliate active in the range, most conversions first.",
    auth: "apiKeyOrSession",
    query: reportQuery,
    ok: { 200: "ReportAffiliates" },
  },
  {
    method: "get",
    path: "/reports/version",
    summary: "A version that changes whenever a click or conversion is written: poll it to know when to reload a report.",
    auth: "apiKeyOrSession",
    ok: { 200: "ReportVersion" },
  },
  {
    method: "post",
    path: "/payouts",
    summary: "Gather each affiliate's approved, unpaid commission per currency (less claw-backs) into one payout; totals under the program's minPayout, or 0 and less, wait for the next run. Again with nothing new: nothing is made.",
    auth: "apiKeyOrSession",
    body: payoutCreate,
    ok: { 201: "PayoutRun" },
    errors: [404],
  },
  { path: "/payouts", ...list("payouts", "PayoutPage", payoutList) },
  {
    method: "get",
    path: "/payouts/export.csv",
    summary: "The selected payouts as a batch file: PayPal Payouts Web (no header row; one currency per file), Wise's \"send by email\" batch, or every field (generic). Amounts in major units.",
    auth: "apiKeyOrSession",
    query: payoutExport,
    // The generic format's columns; paypal and wise follow those services' own layouts.
    ok: { 200: { csv: GENERIC_PAYOUT_COLUMNS } },
  },
  { method: "get", path: "/payouts/:id", summary: "One payout with its lines.", auth: "apiKey", params: idParam, ok: { 200: "Payout" }, errors: [404] },
  {
    method: "post",
    path: "/payouts/:id/paid",
    summary: "Mark a payout and its commissions paid, with your reference of the transfer; again: no change.",
    auth: "apiKeyOrSession",
    params: idParam,
    body: payoutPaid,
    ok: { 200: "Payout" },
    errors: [404, 409],
  },
  {
    method: "post",
    path: "/payouts/:id/cancel",
    summary: "Cancel a pending payout: its commissions are due again and its claw-backs wait for the next payout.",
    auth: "apiKeyOrSession",
    params: idParam,
    ok: { 200: "Payout" },
    errors: [404, 409],
  },
  { path: "/webhook-deliveries", ...list("the Stripe webhook deliveries Icodrip received and what it did with each", "WebhookDeliveryPage", deliveryList) },

  { method: "get", path: "/api-keys", summary: "The workspace's API keys (prefixes and creation dates, never the keys).", auth: "apiKeyOrSession", ok: { 200: "ApiKeyList" } },
  {
    method: "post",
    path: "/api-keys",
    summary: "Create an API key; the key is in this answer only.",
    auth: "apiKeyOrSession",
    ok: { 201: "ApiKeyCreated" },
    errors: [409],
  },
  {
    method: "delete",
    path: "/api-keys/:id",
    summary: "Delete an API key; it answers 401 from then on.",
    auth: "apiKeyOrSession",
    params: keyParam,
    ok: { 204: null },
    errors: [404],
  },
  {
    method: "post",
    path: "/password",
    summary: "Change the signed-in member's password; every other session of the member ends.",
    auth: "session",
    body: passwordBody,
    ok: { 204: null },
    errors: [409, 429, 503],
  },
  { method: "delete", path: "/sessions", summary: "Sign the member out everywhere, this session included.", auth: "session", ok: { 204: null } },

  {
    method: "post",
    path: "/leads",
    summary: "Tell Icodrip from your backend that a signed-up customer came with a click (201 stored, 200 already there).",
    auth: "apiKey",
    body: leadCreate,
    ok: { 201: "Lead", 200: "Lead" },
    errors: [404, 422],
  },
];

// ---- the document ----

const ERROR_MEANING: Record<number, string> = {
  400: "A bad request: invalid_request names each bad field in `fields`; invalid_json, invalid_path.",
  401: "unauthorized: no API key, or one that is not valid.",
  403: "Refused: cross_origin (a cookie-authenticated change from another site), session_required, signup_closed.",
  404: "not_found (or click_not_found): no such record in this workspace.",
  409: "conflict (the field in `fields`), too_many_keys.",
  413: "payload_too_large: the body is over 100 kB.",
  415: "unsupported_charset or unsupported_encoding.",
  422: "The request is well-formed but cannot be done: click_expired, stripe_permission_missing.",
  429: "rate_limited; Retry-After says when to try again.",
  502: "stripe_unavailable: Stripe could not be reached or refused Icodrip's credentials.",
  503: "busy (password hashing is saturated; Retry-After) or commit_outcome_unknown.",
};

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  none: [],
  apiKey: [{ apiKey: [] }],
  apiKeyOrSession: [{ apiKey: [] }, { session: [] }],
  session: [{ session: [] }],
};

type JsonSchema = Record<string, unknown>;

/** A request schema as JSON Schema, as the client sends it (before defaults and transforms). */
function requestSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _s, ...json } = z.toJSONSchema(schema, { io: "input" }) as JsonSchema;
  return json;
}

/** The response components, open to fields added later (the API adds fields, never renames). */
export function responseComponents(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(responseRegistry, {
    uri: componentRef,
    override: ({ jsonSchema }) => {
      if (jsonSchema.additionalProperties === false) delete jsonSchema.additionalProperties;
    },
  });
  // $schema and $id belong to standalone documents; inside components they are noise ($id with a
  // fragment is not even allowed).
  return Object.fromEntries(Object.entries(schemas).map(([name, { $schema: _s, $id: _i, ...json }]) => [name, json]));
}

/** ":id" → "{id}", the way OpenAPI spells a path parameter. */
export const openApiPath = (expressPath: string) => `/api/v1${expressPath.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`;

function parameters(where: "path" | "query", schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const json = requestSchema(schema) as { properties: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === "path" || (json.required ?? []).includes(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

function errorStatuses(route: ApiRoute): number[] {
  const statuses = new Set(route.errors ?? []);
  if (route.auth !== "none") statuses.add(401);
  if (route.auth === "session" || (route.auth === "apiKeyOrSession" && route.method !== "get")) statuses.add(403);
  if (route.params || route.query || route.body) statuses.add(400);
  if (route.body) [400, 413, 415].forEach((s) => statuses.add(s));
  return [...statuses].sort((a, b) => a - b);
}

function operation(route: ApiRoute) {
  const json = (name: ResponseName) => ({ "application/json": { schema: { $ref: componentRef(name) } } });
  const responses: Record<string, unknown> = {};
  for (const [status, name] of Object.entries(route.ok)) {
    if (name !== null && typeof name === "object") {
      const columns = `A header row, then one row per record; columns: ${name.csv.join(", ")}.`;
      responses[status] = { description: "Success.", content: { "text/csv": { schema: { type: "string", description: columns } } } };
    } else responses[status] = name ? { description: "Success.", content: json(name) } : { description: "Done; no body." };
  }
  for (const status of errorStatuses(route)) responses[String(status)] = { description: ERROR_MEANING[status] ?? "An error.", content: json("Error") };
  responses.default = { description: "Our own failure (500 internal_error); the error is logged.", content: json("Error") };
  return {
    operationId: `${route.method}${route.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: route.summary,
    security: SECURITY[route.auth],
    parameters: [...parameters("path", route.params), ...parameters("query", route.query)],
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: requestSchema(route.body) } } } } : {}),
    responses,
  };
}

function version(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of apiRoutes) (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route);
  return {
    openapi: "3.1.0",
    info: {
      title: "Icodrip API",
      version: version(),
      description:
        "Affiliate tracking for merchants who sell through Stripe. Amounts are integers in the currency's minor unit with a lowercase ISO 4217 code; " +
        "times are ISO 8601 in answers, and ISO 8601 or epoch milliseconds in `from`/`to`. Answers may gain fields; fields are never renamed. " +
        'Every error is {"error":{"code","message","fields"?}}.',
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    servers: [{ url: "/" }],
    security: SECURITY.apiKey,
    paths,
    components: {
      schemas: responseComponents(),
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "An API key (signup answers the first; POST /api/v1/api-keys makes more)." },
        session: {
          type: "apiKey",
          in: "cookie",
          name: SESSION_COOKIE,
          description: "The dashboard's session cookie; a change made with it must carry Icodrip's own Origin header.",
        },
      },
    },
  };
}

/** Serves the document: no key needed, the same for everyone, built once. */
export function openApiRoutes(): Router {
  const router = Router();
  let body: string | null = null;
  router.get("/openapi.json", (_req, res) => {
    body ??= JSON.stringify(openApiDocument());
    res.set("Cache-Control", "public, max-age=3600").type("application/json").send(body);
  });
  return router;
}
