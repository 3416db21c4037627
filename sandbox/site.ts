import type { IncomingHttpHeaders } from "node:http";
import type { FormObject } from "./form.js";
import { type Answer, AnswerError } from "./http.js";
import { dashboardPage, page, payPage, esc } from "./pages.js";
import { advanceSubscription, createRefund, payCheckoutSession } from "./payments.js";
import type { SandboxState } from "./state.js";

// The sandbox's own pages, apart from both Stripe hosts: the hosted payment page at a Checkout
// Session's `url`, and the sandbox's page at `/` with the actions a merchant would take in
// Stripe's dashboard (roll an endpoint's secret, refund a payment) plus the sandbox's clock
// (advance a subscription to its next invoice).

export type SiteRequest = { method: string; path: string; body: FormObject; headers: IncomingHttpHeaders };

export type SiteActions = { rollSecret(endpointId: string): string };

const text = (params: FormObject, name: string) => {
  const v = params[name];
  return typeof v === "string" ? v : "";
};

/** A form gets sent back to the page; a client asking for JSON gets the result. */
const done = (req: SiteRequest, anchor: string, result: unknown): Answer =>
  /application\/json/.test((req.headers.accept ?? ""))
    ? { status: 200, body: result }
    : { status: 303, headers: { Location: `/#${anchor}` } };

export function handleSite(state: SandboxState, actions: SiteActions, req: SiteRequest): Answer {
  try {
    return serve(state, actions, req);
  } catch (error) {
    if (!(error instanceof AnswerError)) throw error;
    // A refusal (refund too large, unknown id) is shown as a page with Stripe's message.
    const body = error.answer.body as { error?: { message?: string } } | undefined;
    const message = body?.error?.message ?? `HTTP ${error.answer.status}`;
    if (/application\/json/.test((req.headers.accept ?? ""))) return error.answer;
    return page("Stripe sandbox", `<div class="card narrow"><h1>That did not work</h1><p class="error" role="alert">${esc(message)}</p><p><a href="/">Back to the sandbox</a></p></div>`, error.answer.status);
  }
}

function serve(state: SandboxState, actions: SiteActions, req: SiteRequest): Answer {
  const { method, path } = req;
  if (method === "GET" && path === "/") return dashboardPage(state, state.baseUrl);

  const pay = /^\/pay\/([A-Za-z0-9_]+)$/.exec(path);
  if (pay) {
    const record = state.checkoutSessions.find((s) => s.id === pay[1]);
    if (!record) return page("Not found", `<div class="card narrow"><h1>No such Checkout Session.</h1></div>`, 404);
    if (method === "GET") return payPage(record);
    if (method === "POST") {
      const input = {
        email: text(req.body, "email"),
        cardNumber: text(req.body, "cardnumber"),
        expiry: text(req.body, "exp"),
        cvc: text(req.body, "cvc"),
        promotionCode: text(req.body, "promotion_code"),
      };
      const result = payCheckoutSession(state, record, input);
      if (result.ok) return { status: 303, headers: { Location: result.redirect } };
      return payPage(record, { email: input.email, promotionCode: input.promotionCode, error: result.message }, 402);
    }
  }

  const action = /^\/sandbox\/(endpoints|charges|subscriptions)\/([A-Za-z0-9_]+)\/(roll|refund|advance)$/.exec(path);
  if (method === "POST" && action) {
    const [, kind, id, verb] = action;
    if (kind === "endpoints" && verb === "roll") {
      if (!state.endpoints.has(id)) throw notFound(`No such webhook endpoint: '${id}'`);
      return done(req, "endpoints", { id, secret: actions.rollSecret(id) });
    }
    if (kind === "charges" && verb === "refund") {
      const stored = state.objects.get(id);
      if (!stored || stored.current.object !== "charge") throw notFound(`No such charge: '${id}'`);
      const amount = text(req.body, "amount").trim();
      return done(req, "payments", createRefund(state, stored.accountId, { charge: id, ...(amount ? { amount } : {}) }));
    }
    if (kind === "subscriptions" && verb === "advance") return done(req, "subscriptions", advanceSubscription(state, id));
  }
  return page("Not found", `<div class="card narrow"><h1>Nothing here.</h1><p><a href="/">The sandbox's page</a></p></div>`, 404);
}

const notFound = (message: string) => new AnswerError({ status: 404, body: { error: { type: "invalid_request_error", code: "resource_missing", message } } });
