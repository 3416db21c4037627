import type Stripe from "stripe";
import type { FormObject, FormValue } from "./form.js";
import { v1Error } from "./http.js";
import {
  chargeObject,
  checkoutSessionObject,
  customerObject,
  invoiceObject,
  invoicePaymentObject,
  type LineItem,
  objectId,
  paymentIntentObject,
  periodEnd,
  priceObject,
  refundObject,
  subscriptionObject,
} from "./objects.js";
import { bool, integer, metadata, str, url } from "./params.js";
import { couponOf, createDiscount, discountAmount, findCode } from "./promotions.js";
import { emit, put } from "./render.js";
import { type AccountRecord, type CheckoutSessionRecord, type SandboxState, now, randomId, type StoredObject } from "./state.js";

// What a payment does on Stripe, for the few paths Icodrip follows: a Checkout Session paid on
// the hosted page (payment or subscription mode), a subscription's next invoice, a refund. Each
// creates the objects Stripe creates and emits the events Stripe emits, in Stripe's order.

const isHash = (v: FormValue | undefined): v is { [key: string]: FormValue } => typeof v === "object" && !Array.isArray(v);
const INTERVALS = ["day", "week", "month", "year"] as const;

/** The object of that id on that account, or Stripe's resource_missing 404 naming its kind. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- T names the Stripe type the caller reads; the object check inside makes it true
export function owned<T>(state: SandboxState, accountId: string, id: string, kind: string, object: string): { stored: StoredObject; value: T } {
  const stored = state.objects.get(id);
  if (!stored || stored.accountId !== accountId || stored.current.object !== object) {
    throw v1Error(404, { code: "resource_missing", param: "id", message: `No such ${kind}: '${id}'` });
  }
  return { stored, value: stored.current as unknown as T };
}

// ---- prices ----

function recurringOf(value: FormValue | undefined, param: string): LineItem["recurring"] {
  if (value === undefined) return null;
  if (!isHash(value)) throw v1Error(400, { param, message: `Invalid object: ${param} must be a hash.` });
  const interval = str(value, "interval");
  if (!interval || !(INTERVALS as readonly string[]).includes(interval)) {
    throw v1Error(400, { param: `${param}[interval]`, message: `Invalid ${param}[interval]: must be one of day, week, month, or year` });
  }
  const count = integer(value, "interval_count", 1, 365) ?? 1;
  return { interval: interval as (typeof INTERVALS)[number], interval_count: count };
}

function amountOf(params: FormObject, name: string, param: string): number {
  const n = integer(params, name, 0, 99_999_999);
  if (n === undefined) throw v1Error(400, { code: "parameter_missing", param, message: `Missing required param: ${param}.` });
  return n;
}

function currencyOf(params: FormObject, param: string): string {
  const c = str(params, "currency");
  if (!c) throw v1Error(400, { code: "parameter_missing", param, message: `Missing required param: ${param}.` });
  if (!/^[a-zA-Z]{3}$/.test(c)) throw v1Error(400, { param, message: `Invalid currency: ${c}. Stripe currently supports these currencies: usd, eur, gbp, …` });
  return c.toLowerCase();
}

/** A price of the account's catalogue (POST /v1/prices, or the sandbox's own `createPrice`). */
export function createPrice(state: SandboxState, account: AccountRecord, o: { unitAmount: number; currency: string; productName: string; recurring: LineItem["recurring"] }): Stripe.Price {
  const productId = `prod_${randomId(14)}`;
  state.productNames.set(productId, o.productName);
  const item: LineItem = { priceId: null, productName: o.productName, unitAmount: o.unitAmount, currency: o.currency, quantity: 1, recurring: o.recurring };
  const price = priceObject(objectId("price", account.livemode), item, productId, account.livemode, now());
  put(state, account.id, price);
  return price;
}

export function createPriceFromParams(state: SandboxState, account: AccountRecord, params: FormObject): Stripe.Price {
  const productData = params.product_data;
  const product = str(params, "product");
  const name = isHash(productData) ? str(productData, "name") : product ? state.productNames.get(product) : undefined;
  if (!name) throw v1Error(400, { code: "parameter_missing", param: "product_data[name]", message: "Missing required param: product_data[name]." });
  return createPrice(state, account, {
    unitAmount: amountOf(params, "unit_amount", "unit_amount"),
    currency: currencyOf(params, "currency"),
    productName: name,
    recurring: recurringOf(params.recurring, "recurring"),
  });
}

// ---- checkout sessions ----

function lineItems(state: SandboxState, accountId: string, params: FormObject): LineItem[] {
  const items = params.line_items;
  if (items === undefined) return [];
  if (!Array.isArray(items)) throw v1Error(400, { param: "line_items", message: "Invalid array: line_items must be an array." });
  return items.map((item, i) => {
    const p = `line_items[${i}]`;
    if (!isHash(item)) throw v1Error(400, { param: p, message: `Invalid object: ${p} must be a hash.` });
    const quantity = integer(item, "quantity", 1, 999_999) ?? 1;
    const priceId = str(item, "price");
    if (priceId) {
      const stored = state.objects.get(priceId);
      if (!stored || stored.accountId !== accountId || stored.current.object !== "price") {
        throw v1Error(400, { code: "resource_missing", param: `${p}[price]`, message: `No such price: '${priceId}'` });
      }
      const price = stored.current as unknown as Stripe.Price;
      const product = typeof price.product === "string" ? price.product : price.product.id;
      const recurring = price.recurring ? { interval: price.recurring.interval, interval_count: price.recurring.interval_count } : null;
      return { priceId, productName: state.productNames.get(product) ?? "Product", unitAmount: price.unit_amount ?? 0, currency: price.currency, quantity, recurring };
    }
    const data = item.price_data;
    if (!isHash(data)) throw v1Error(400, { param: `${p}[price]`, message: `You must specify either \`price\` or \`price_data\` for ${p}.` });
    const productData = data.product_data;
    const product = str(data, "product");
    const productName = isHash(productData) ? str(productData, "name") : product ? state.productNames.get(product) : undefined;
    if (!productName) throw v1Error(400, { code: "parameter_missing", param: `${p}[price_data][product_data][name]`, message: `Missing required param: ${p}[price_data][product_data][name].` });
    return {
      priceId: null,
      productName,
      unitAmount: amountOf(data, "unit_amount", `${p}[price_data][unit_amount]`),
      currency: currencyOf(data, `${p}[price_data][currency]`),
      quantity,
      recurring: recurringOf(data.recurring, `${p}[price_data][recurring]`),
    };
  });
}

/** `payment_intent_data[metadata]` or `subscription_data[metadata]`: the parent hash's metadata. */
function nestedMetadata(params: FormObject, name: string): Record<string, string> {
  const parent = params[name];
  if (parent === undefined) return {};
  if (!isHash(parent)) throw v1Error(400, { param: name, message: `Invalid object: ${name} must be a hash.` });
  return metadata(parent) ?? {};
}

export function createCheckoutSession(state: SandboxState, account: AccountRecord, livemode: boolean, params: FormObject): Stripe.Checkout.Session {
  const customer = str(params, "customer");
  const customerEmail = str(params, "customer_email");
  if (customer && customerEmail) {
    throw v1Error(400, { param: "customer_email", message: "You may only specify one of these parameters: customer, customer_email." });
  }
  if (customer) owned(state, account.id, customer, "customer", "customer");
  const clientReferenceId = str(params, "client_reference_id");
  if (clientReferenceId !== undefined && clientReferenceId.length > 200) {
    throw v1Error(400, { param: "client_reference_id", message: "Invalid string: client_reference_id must be at most 200 characters." });
  }
  const mode = str(params, "mode") ?? "payment";
  if (mode !== "payment" && mode !== "subscription" && mode !== "setup") {
    throw v1Error(400, { param: "mode", message: `Invalid mode: must be one of payment, setup, or subscription` });
  }
  const items = lineItems(state, account.id, params);
  if (mode !== "setup" && items.length === 0) {
    throw v1Error(400, { code: "parameter_missing", param: "line_items", message: `Missing required param: line_items.` });
  }
  if (mode === "payment" && items.some((i) => i.recurring)) {
    throw v1Error(400, { param: "line_items", message: "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices." });
  }
  if (mode === "subscription" && !items.some((i) => i.recurring)) {
    throw v1Error(400, { param: "line_items", message: "You must provide at least one recurring price in `subscription` mode when using prices." });
  }
  const currencies = new Set(items.map((i) => i.currency));
  if (currencies.size > 1) throw v1Error(400, { param: "line_items", message: "All line items must use the same currency." });
  // Read now so a malformed nested hash is refused at creation, as Stripe does.
  nestedMetadata(params, "payment_intent_data");
  nestedMetadata(params, "subscription_data");
  const successUrl = url(params, "success_url");
  const cancelUrl = url(params, "cancel_url");
  // Either name of each mode, whichever API version the caller speaks (see render.ts).
  const uiMode = ({ hosted: "hosted_page", embedded: "embedded_page" } as Partial<Record<string, string>>)[str(params, "ui_mode") ?? "hosted_page"] ?? str(params, "ui_mode") ?? "hosted_page";
  if (uiMode === "hosted_page" && !successUrl) {
    throw v1Error(400, { code: "parameter_missing", param: "success_url", message: "Missing required param: success_url." });
  }
  const discount = discountParam(state, account.id, params);
  const allowPromotionCodes = bool(params, "allow_promotion_codes") ?? null;
  if (discount && allowPromotionCodes) {
    throw v1Error(400, { param: "discounts", message: "You may only specify one of these parameters: allow_promotion_codes, discounts." });
  }
  const id = `cs_${livemode ? "live" : "test"}_a1${randomId(56)}`;
  const amount = items.length > 0 ? items.reduce((sum, i) => sum + i.unitAmount * i.quantity, 0) : null;
  const session = checkoutSessionObject({
    id,
    url: `${state.baseUrl}/pay/${id}`,
    mode,
    amount,
    currency: items.at(0)?.currency ?? str(params, "currency") ?? null,
    customer: customer ?? null,
    customerEmail: customerEmail ?? null,
    clientReferenceId: clientReferenceId ?? null,
    metadata: metadata(params) ?? {},
    successUrl: successUrl ?? null,
    cancelUrl: cancelUrl ?? null,
    uiMode,
    livemode,
    created: now(),
  });
  session.allow_promotion_codes = allowPromotionCodes;
  const record: CheckoutSessionRecord = { id, accountId: account.id, params, session: session as unknown as Record<string, unknown>, lineItems: items, discount: null };
  if (discount) applyDiscount(state, record, discount);
  put(state, account.id, session);
  state.checkoutSessions.push(record);
  return session;
}

/** `discounts[0][promotion_code]` or `discounts[0][coupon]` (Stripe takes one discount on a session). */
function discountParam(state: SandboxState, accountId: string, params: FormObject): { coupon: string; promotionCode: string | null } | null {
  if (!("discounts" in params)) return null;
  const list = params.discounts;
  if (!Array.isArray(list) || list.length > 1 || (list.length === 1 && !isHash(list[0]))) {
    throw v1Error(400, { param: "discounts", message: "Invalid array: discounts takes one hash with coupon or promotion_code." });
  }
  const entry = list[0];
  if (!isHash(entry)) return null;
  const promotionCode = str(entry, "promotion_code");
  const coupon = str(entry, "coupon");
  if (promotionCode) {
    const stored = state.objects.get(promotionCode);
    if (!stored || stored.accountId !== accountId || stored.current.object !== "promotion_code") {
      throw v1Error(400, { code: "resource_missing", param: "discounts[0][promotion_code]", message: `No such promotion code: '${promotionCode}'` });
    }
    return { coupon: couponOf(state, { promotionCode }).id, promotionCode };
  }
  if (coupon) {
    const stored = state.objects.get(coupon);
    if (!stored || stored.accountId !== accountId || stored.current.object !== "coupon") {
      throw v1Error(400, { code: "resource_missing", param: "discounts[0][coupon]", message: `No such coupon: '${coupon}'` });
    }
    return { coupon, promotionCode: null };
  }
  throw v1Error(400, { param: "discounts[0]", message: "Each discount needs a coupon or a promotion_code." });
}

/** The session's amounts, discounts and total_details once a coupon applies to it. */
function applyDiscount(state: SandboxState, record: CheckoutSessionRecord, discount: { coupon: string; promotionCode: string | null }): void {
  const session = record.session as unknown as Stripe.Checkout.Session;
  const subtotal = session.amount_subtotal ?? 0;
  const off = discountAmount(couponOf(state, { coupon: discount.coupon }), subtotal, session.currency ?? "usd");
  record.discount = discount;
  session.amount_total = subtotal - off;
  session.discounts = [{ coupon: discount.coupon, promotion_code: discount.promotionCode }];
  session.total_details = { amount_discount: off, amount_shipping: 0, amount_tax: 0 };
}

export const TEST_CARDS = { success: "4242424242424242", declined: "4000000000000002" } as const;

export type PayInput = { email: string; cardNumber: string; expiry: string; cvc: string; promotionCode?: string };
export type PayResult = { ok: true; redirect: string } | { ok: false; message: string };

/** What the hosted page checks before it charges anything; Stripe's own wording where it has one. */
function checkCard(input: PayInput): string | null {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email.trim())) return "Your email address is invalid.";
  const number = input.cardNumber.replace(/[\s-]/g, "");
  if (!/^\d{12,19}$/.test(number)) return "Your card number is incomplete.";
  const expiry = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(input.expiry);
  if (!expiry) return "Your card's expiration date is incomplete.";
  const month = Number(expiry[1]);
  const year = expiry[2].length === 2 ? 2000 + Number(expiry[2]) : Number(expiry[2]);
  const today = new Date();
  if (month < 1 || month > 12) return "Your card's expiration date is invalid.";
  if (year < today.getUTCFullYear() || (year === today.getUTCFullYear() && month < today.getUTCMonth() + 1)) return "Your card's expiration year is in the past.";
  if (!/^\d{3,4}$/.test(input.cvc.trim())) return "Your card's security code is incomplete.";
  if (number === TEST_CARDS.declined) return "Your card was declined.";
  if (number !== TEST_CARDS.success) return "Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.";
  return null;
}

/** The buyer presses Pay on the hosted page. */
export function payCheckoutSession(state: SandboxState, record: CheckoutSessionRecord, input: PayInput): PayResult {
  const session = record.session as unknown as Stripe.Checkout.Session;
  if (session.status !== "open") return { ok: false, message: "This Checkout Session is no longer active." };
  if (session.mode === "setup") return { ok: false, message: "The sandbox does not take setup-mode sessions." };
  const typed = input.promotionCode?.trim();
  if (typed) {
    if (!session.allow_promotion_codes) return { ok: false, message: "This checkout does not take promotion codes." };
    const promo = findCode(state, record.accountId, typed);
    if (!promo) return { ok: false, message: "This code is invalid." };
    applyDiscount(state, record, { coupon: couponOf(state, { promotionCode: promo.id }).id, promotionCode: promo.id });
  }
  const problem = checkCard(input);
  // A declined card leaves no trace the merchant's integration reads: no customer, no paid
  // session, no event (Stripe's failed charge and payment_intent.payment_failed are not modelled).
  if (problem) return { ok: false, message: problem };

  const account = state.accounts.get(record.accountId);
  if (!account) throw new Error(`sandbox: session ${record.id} of unknown account`);
  const email = input.email.trim();
  const customer = customerFor(state, account, session, email);
  session.customer = customer.current.id;
  session.customer_details = { address: null, business_name: null, email, individual_name: null, name: null, phone: null, tax_exempt: "none", tax_ids: [] };
  const params = record.params;
  const discount = record.discount
    ? createDiscount(state, account.id, { coupon: couponOf(state, { coupon: record.discount.coupon }), promotionCode: record.discount.promotionCode, checkoutSession: session.id, customer: customer.current.id, subscription: null })
    : null;
  if (session.mode === "payment") {
    const piData = isHash(params.payment_intent_data) ? params.payment_intent_data : {};
    const { paymentIntent } = charge(state, account, {
      customer: customer.current.id,
      email,
      amount: session.amount_total ?? 0,
      currency: session.currency ?? "usd",
      metadata: nestedMetadata(params, "payment_intent_data"),
      description: str(piData, "description") ?? null,
      invoiceId: null,
    });
    session.payment_intent = paymentIntent.id;
  } else {
    const { subscription, invoice } = startSubscription(state, account, customer, record, nestedMetadata(params, "subscription_data"), discount);
    session.subscription = subscription.id;
    session.invoice = invoice.id;
  }
  session.status = "complete";
  session.payment_status = "paid";
  const stored = put(state, account.id, session);
  emit(state, account.id, "checkout.session.completed", stored);
  const redirect = (session.success_url ?? state.baseUrl).replaceAll("{CHECKOUT_SESSION_ID}", session.id);
  return { ok: true, redirect };
}

function customerFor(state: SandboxState, account: AccountRecord, session: Stripe.Checkout.Session, email: string): StoredObject {
  if (typeof session.customer === "string") {
    const existing = state.objects.get(session.customer);
    if (existing) return existing;
  }
  const customer = customerObject(objectId("cus", account.livemode).replace(/^cus_1./, "cus_"), email, account.livemode, now());
  const stored = put(state, account.id, customer);
  emit(state, account.id, "customer.created", stored);
  return stored;
}

/** A succeeded PaymentIntent and its Charge; `invoiceId` ties them to an invoice before basil. */
function charge(
  state: SandboxState,
  account: AccountRecord,
  o: { customer: string; email: string; amount: number; currency: string; metadata: Record<string, string>; description: string | null; invoiceId: string | null },
): { paymentIntent: Stripe.PaymentIntent; charge: Stripe.Charge } {
  const created = now();
  const piId = objectId("pi", account.livemode).replace(/^pi_1./, "pi_3");
  const chargeId = objectId("ch", account.livemode).replace(/^ch_1./, "ch_3");
  const paymentIntent = paymentIntentObject({ id: piId, chargeId, ...o, livemode: account.livemode, created });
  // A charge made by a PaymentIntent starts with the intent's metadata, as on Stripe.
  const ch = chargeObject({
    id: chargeId,
    paymentIntent: piId,
    paymentMethod: typeof paymentIntent.payment_method === "string" ? paymentIntent.payment_method : null,
    ...o,
    livemode: account.livemode,
    created,
  });
  const legacy = { invoice: o.invoiceId };
  const storedPi = put(state, account.id, paymentIntent, legacy);
  emit(state, account.id, "payment_intent.created", storedPi);
  const storedCharge = put(state, account.id, ch, legacy);
  emit(state, account.id, "charge.succeeded", storedCharge);
  emit(state, account.id, "payment_intent.succeeded", storedPi);
  return { paymentIntent, charge: ch };
}

function startSubscription(state: SandboxState, account: AccountRecord, customer: StoredObject, record: CheckoutSessionRecord, meta: Record<string, string>, discount: Stripe.Discount | null) {
  const created = now();
  // Lines given as price_data become prices of their own, as Stripe makes them.
  const prices = record.lineItems.map((item) => {
    const stored = item.priceId ? state.objects.get(item.priceId) : undefined;
    const price = stored ? (stored.current as unknown as Stripe.Price) : createPrice(state, account, item);
    return { price, quantity: item.quantity };
  });
  const recurring = prices.find((p) => p.price.recurring)?.price.recurring;
  if (!recurring) throw new Error("sandbox: a subscription session without a recurring price");
  const subscriptionId = `sub_1${randomId(23)}`;
  const invoiceId = `in_1${randomId(23)}`;
  const end = periodEnd(created, recurring.interval, recurring.interval_count);
  const subscription = subscriptionObject({
    id: subscriptionId,
    customer: customer.current.id,
    prices,
    metadata: meta,
    latestInvoice: invoiceId,
    periodStart: created,
    periodEnd: end,
    livemode: account.livemode,
    created,
  });
  if (discount) {
    // The session's discount becomes the subscription's, as on Stripe.
    discount.subscription = subscriptionId;
    subscription.discounts = [discount.id];
  }
  const storedSub = put(state, account.id, subscription, { current_period_start: created, current_period_end: end });
  emit(state, account.id, "customer.subscription.created", storedSub);
  const invoice = payInvoice(state, account, customer, subscription, invoiceId, "subscription_create", created, end);
  return { subscription, invoice };
}

/** A subscription's invoice, made, finalized and paid at once by card. */
function payInvoice(
  state: SandboxState,
  account: AccountRecord,
  customerStored: StoredObject,
  subscription: Stripe.Subscription,
  invoiceId: string,
  billingReason: Stripe.Invoice.BillingReason,
  periodStart: number,
  periodEndAt: number,
): Stripe.Invoice {
  const customer = customerStored.current as unknown as Stripe.Customer;
  const sequence = customer.next_invoice_sequence ?? 1;
  customer.next_invoice_sequence = sequence + 1;
  const paidAt = now();
  const invoice = invoiceObject({
    id: invoiceId,
    account: { id: account.id, name: account.displayName },
    customer,
    subscription,
    billingReason,
    number: `${customer.invoice_prefix ?? ""}-${String(sequence).padStart(4, "0")}`,
    periodStart,
    periodEnd: periodEndAt,
    paidAt,
    livemode: account.livemode,
    created: paidAt,
  });
  withSubscriptionDiscount(state, invoice, subscription, billingReason);
  // Nothing to charge (a 100% discount): Stripe pays the invoice without a PaymentIntent.
  const paid =
    invoice.amount_due > 0
      ? charge(state, account, {
          customer: customer.id,
          email: customer.email ?? "",
          amount: invoice.amount_due,
          currency: invoice.currency,
          metadata: {},
          description: billingReason === "subscription_create" ? "Subscription creation" : "Subscription update",
          invoiceId,
        })
      : null;
  const legacy = {
    subscription: subscription.id,
    subscription_details: { metadata: { ...subscription.metadata } },
    payment_intent: paid?.paymentIntent.id ?? null,
    charge: paid?.charge.id ?? null,
    paid: true,
    paid_out_of_band: false,
  };
  const stored = put(state, account.id, invoice, legacy, ["parent", "amount_overpaid"]);
  const storedPayment = paid
    ? put(state, account.id, invoicePaymentObject({ id: `inpay_1${randomId(22)}`, invoice, paymentIntent: paid.paymentIntent.id, chargeId: paid.charge.id, paidAt }))
    : null;
  emit(state, account.id, "invoice.created", stored);
  emit(state, account.id, "invoice.finalized", stored);
  emit(state, account.id, "invoice.paid", stored);
  emit(state, account.id, "invoice.payment_succeeded", stored);
  if (storedPayment) emit(state, account.id, "invoice_payment.paid", storedPayment);
  return invoice;
}

/**
 * A subscription's discount on one of its invoices: every invoice for a "forever" or "repeating"
 * coupon (the sandbox does not count the months), the first only for "once".
 */
function withSubscriptionDiscount(state: SandboxState, invoice: Stripe.Invoice, subscription: Stripe.Subscription, billingReason: Stripe.Invoice.BillingReason): void {
  const discountId = subscription.discounts.map((d) => (typeof d === "string" ? d : d.id))[0];
  const discount = discountId ? (state.objects.get(discountId)?.current as unknown as Stripe.Discount | undefined) : undefined;
  const couponId = discount && (typeof discount.source.coupon === "string" ? discount.source.coupon : discount.source.coupon?.id);
  if (!discount || !couponId) return;
  const coupon = couponOf(state, { coupon: couponId });
  if (coupon.duration === "once" && billingReason !== "subscription_create") return;
  const off = discountAmount(coupon, invoice.subtotal, invoice.currency);
  invoice.discounts = [discount.id];
  invoice.total_discount_amounts = [{ amount: off, discount: discount.id }];
  invoice.total -= off;
  invoice.total_excluding_tax = (invoice.total_excluding_tax ?? invoice.subtotal) - off;
  invoice.amount_due -= off;
  invoice.amount_paid -= off;
}

/** The sandbox's clock moves a subscription to its next period: the next invoice is made and paid. */
export function advanceSubscription(state: SandboxState, subscriptionId: string): Stripe.Invoice {
  const stored = state.objects.get(subscriptionId);
  if (!stored || stored.current.object !== "subscription") throw v1Error(404, { code: "resource_missing", param: "id", message: `No such subscription: '${subscriptionId}'` });
  const account = state.accounts.get(stored.accountId);
  const subscription = stored.current as unknown as Stripe.Subscription;
  if (!account) throw new Error(`sandbox: subscription ${subscriptionId} of unknown account`);
  if (subscription.status !== "active") throw v1Error(400, { message: `Subscription ${subscriptionId} is ${subscription.status}; only an active one renews.` });
  const customer = state.objects.get(typeof subscription.customer === "string" ? subscription.customer : subscription.customer.id);
  if (!customer) throw new Error(`sandbox: subscription ${subscriptionId} without its customer`);
  const item = subscription.items.data[0];
  const recurring = item.price.recurring;
  if (!recurring) throw new Error(`sandbox: subscription ${subscriptionId} without a recurring price`);
  const previous = { latest_invoice: subscription.latest_invoice, items: structuredClone(subscription.items) };
  const start = item.current_period_end;
  const end = periodEnd(start, recurring.interval, recurring.interval_count);
  for (const i of subscription.items.data) {
    i.current_period_start = start;
    i.current_period_end = end;
  }
  const invoiceId = `in_1${randomId(23)}`;
  subscription.latest_invoice = invoiceId;
  const updated = put(state, account.id, subscription, { current_period_start: start, current_period_end: end });
  const invoice = payInvoice(state, account, customer, subscription, invoiceId, "subscription_cycle", start, end);
  emit(state, account.id, "customer.subscription.updated", updated, previous);
  return invoice;
}

/** POST /v1/refunds, and the Refund button on the sandbox's page. */
export function createRefund(state: SandboxState, accountId: string, params: FormObject): Stripe.Refund {
  const chargeId = str(params, "charge");
  const piId = str(params, "payment_intent");
  if (!chargeId && !piId) throw v1Error(400, { code: "parameter_missing", param: "charge", message: "One of the following params should be provided for this request: payment_intent or charge." });
  let chargeStored: StoredObject;
  if (chargeId) chargeStored = owned<Stripe.Charge>(state, accountId, chargeId, "charge", "charge").stored;
  else {
    const pi = owned<Stripe.PaymentIntent>(state, accountId, piId as string, "payment_intent", "payment_intent").value;
    const latest = typeof pi.latest_charge === "string" ? pi.latest_charge : pi.latest_charge?.id;
    if (!latest) throw v1Error(400, { param: "payment_intent", message: `PaymentIntent ${pi.id} has no successful charge to refund.` });
    chargeStored = owned<Stripe.Charge>(state, accountId, latest, "charge", "charge").stored;
  }
  const ch = chargeStored.current as unknown as Stripe.Charge;
  if (piId && chargeId && ch.payment_intent !== piId) {
    throw v1Error(400, { param: "payment_intent", message: `Charge ${ch.id} does not belong to PaymentIntent ${piId}.` });
  }
  const remaining = ch.amount - ch.amount_refunded;
  if (remaining <= 0) throw v1Error(400, { code: "charge_already_refunded", message: `Charge ${ch.id} has already been refunded.` });
  const amount = integer(params, "amount", 1, 99_999_999) ?? remaining;
  if (amount > remaining) {
    const money = (n: number) => `${(n / 100).toFixed(2)} ${ch.currency.toUpperCase()}`;
    throw v1Error(400, { code: "amount_too_large", param: "amount", message: `Refund amount (${money(amount)}) is greater than unrefunded amount on charge (${money(remaining)})` });
  }
  const reason = str(params, "reason");
  if (reason !== undefined && !["duplicate", "fraudulent", "requested_by_customer"].includes(reason)) {
    throw v1Error(400, { param: "reason", message: "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer" });
  }
  const previous = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
  ch.amount_refunded += amount;
  ch.refunded = ch.amount_refunded === ch.amount;
  const refund = refundObject({ id: `re_3${randomId(23)}`, amount, charge: ch, reason: reason ?? null, metadata: metadata(params) ?? {}, created: now() });
  const storedRefund = put(state, accountId, refund);
  put(state, accountId, ch, chargeStored.legacy);
  emit(state, accountId, "refund.created", storedRefund);
  emit(state, accountId, "charge.refunded", state.objects.get(ch.id) as StoredObject, previous);
  return refund;
}
