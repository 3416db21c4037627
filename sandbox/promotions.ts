import type Stripe from "stripe";
import type { FormObject, FormValue } from "./form.js";
import { v1Error } from "./http.js";
import { objectId } from "./objects.js";
import { integer, metadata, str } from "./params.js";
import { put } from "./render.js";
import { type AccountRecord, type SandboxState, now, randomId, type StoredObject } from "./state.js";

// Coupons, promotion codes and the discounts they make, for the paths Icodrip follows: a code
// given at Checkout Session creation or typed on the hosted page, the session's discounts and
// total_details.breakdown, and the invoices of a subscription started with it.

const isHash = (v: FormValue | undefined): v is { [key: string]: FormValue } => typeof v === "object" && !Array.isArray(v);
const DURATIONS = ["once", "forever", "repeating"] as const;

export function createCoupon(state: SandboxState, account: AccountRecord, params: FormObject): Stripe.Coupon {
  const percentText = str(params, "percent_off");
  const percentOff = percentText === undefined ? undefined : Number(percentText);
  const amountOff = integer(params, "amount_off", 1, 99_999_999);
  if ((percentOff === undefined) === (amountOff === undefined)) {
    throw v1Error(400, { param: "percent_off", message: "You must pass exactly one of percent_off or amount_off." });
  }
  if (percentOff !== undefined && !(percentOff > 0 && percentOff <= 100)) {
    throw v1Error(400, { param: "percent_off", message: "Invalid percent_off: must be greater than 0 and at most 100." });
  }
  const currency = str(params, "currency")?.toLowerCase();
  if (amountOff !== undefined && !currency) throw v1Error(400, { code: "parameter_missing", param: "currency", message: "Missing required param: currency." });
  const duration = str(params, "duration") ?? "once";
  if (!(DURATIONS as readonly string[]).includes(duration)) throw v1Error(400, { param: "duration", message: "Invalid duration: must be one of once, forever, or repeating" });
  const months = integer(params, "duration_in_months", 1, 1200);
  if (duration === "repeating" && months === undefined) throw v1Error(400, { code: "parameter_missing", param: "duration_in_months", message: "Missing required param: duration_in_months." });
  const id = str(params, "id") ?? randomId(8);
  if (ofAccount(state, account.id, "coupon").some((c) => c.current.id === id)) {
    throw v1Error(400, { code: "resource_already_exists", param: "id", message: "Coupon already exists." });
  }
  const coupon: Stripe.Coupon = {
    id,
    object: "coupon",
    amount_off: amountOff ?? null,
    created: now(),
    currency: amountOff !== undefined ? (currency ?? null) : null,
    duration,
    duration_in_months: duration === "repeating" ? (months ?? null) : null,
    livemode: account.livemode,
    max_redemptions: null,
    metadata: metadata(params) ?? {},
    name: str(params, "name") ?? null,
    percent_off: percentOff ?? null,
    redeem_by: null,
    times_redeemed: 0,
    valid: true,
  };
  put(state, account.id, coupon);
  return coupon;
}

/** POST /v1/promotion_codes: `promotion[coupon]` (as stripe-node 23 sends it) or the older `coupon`. */
export function createPromotionCode(state: SandboxState, account: AccountRecord, params: FormObject): Stripe.PromotionCode {
  const promotion = params.promotion;
  const couponId = (isHash(promotion) ? str(promotion, "coupon") : undefined) ?? str(params, "coupon");
  if (!couponId) throw v1Error(400, { code: "parameter_missing", param: "promotion[coupon]", message: "Missing required param: promotion[coupon]." });
  const coupon = ofAccount(state, account.id, "coupon").find((c) => c.current.id === couponId);
  if (!coupon) throw v1Error(400, { code: "resource_missing", param: "promotion[coupon]", message: `No such coupon: '${couponId}'` });
  const code = str(params, "code") ?? randomId(8).toUpperCase();
  if (!/^[A-Za-z0-9]{1,500}$/.test(code)) throw v1Error(400, { param: "code", message: "Invalid code: only letters and digits are allowed." });
  if (findCode(state, account.id, code)) {
    throw v1Error(400, { code: "resource_already_exists", param: "code", message: "An active promotion code with `code` already exists." });
  }
  const promo: Stripe.PromotionCode = {
    id: `promo_1${randomId(23)}`,
    object: "promotion_code",
    active: true,
    code,
    created: now(),
    customer: null,
    customer_account: null,
    expires_at: null,
    livemode: account.livemode,
    max_redemptions: null,
    metadata: metadata(params) ?? {},
    promotion: { coupon: couponId, type: "coupon" },
    restrictions: { first_time_transaction: false, minimum_amount: null, minimum_amount_currency: null },
    times_redeemed: 0,
  };
  put(state, account.id, promo);
  return promo;
}

function ofAccount(state: SandboxState, accountId: string, object: string): StoredObject[] {
  return [...state.objects.values()].filter((o) => o.accountId === accountId && o.current.object === object);
}

/** The active promotion code a customer typed, case-insensitively as on Stripe. */
export function findCode(state: SandboxState, accountId: string, code: string): Stripe.PromotionCode | null {
  const wanted = code.trim().toLowerCase();
  const found = ofAccount(state, accountId, "promotion_code").find((o) => (o.current as unknown as Stripe.PromotionCode).code.toLowerCase() === wanted);
  const promo = found?.current as unknown as Stripe.PromotionCode | undefined;
  return promo?.active ? promo : null;
}

export function couponOf(state: SandboxState, promoOrCoupon: { coupon: string } | { promotionCode: string }): Stripe.Coupon {
  const id = "coupon" in promoOrCoupon ? promoOrCoupon.coupon : idOf((state.objects.get(promoOrCoupon.promotionCode)?.current as unknown as Stripe.PromotionCode).promotion.coupon);
  const stored = id ? state.objects.get(id) : undefined;
  if (!stored || stored.current.object !== "coupon") throw new Error(`sandbox: no coupon ${id ?? "?"}`);
  return stored.current as unknown as Stripe.Coupon;
}

const idOf = (ref: string | { id: string } | null) => (typeof ref === "string" ? ref : (ref?.id ?? null));

/** What a coupon takes off an amount: a percentage (rounded), or a fixed amount in its currency, never more than the amount. */
export function discountAmount(coupon: Stripe.Coupon, amount: number, currency: string): number {
  if (coupon.percent_off !== null) return Math.min(amount, Math.round((amount * coupon.percent_off) / 100));
  if (coupon.amount_off !== null && coupon.currency === currency) return Math.min(amount, coupon.amount_off);
  return 0;
}

/** A redeemed coupon (di_…), kept so sessions, subscriptions and invoices can name it and expand it. */
export function createDiscount(
  state: SandboxState,
  accountId: string,
  o: { coupon: Stripe.Coupon; promotionCode: string | null; checkoutSession: string | null; customer: string | null; subscription: string | null },
): Stripe.Discount {
  const discount: Stripe.Discount = {
    id: objectId("di").replace(/^di_1./, "di_"),
    object: "discount",
    checkout_session: o.checkoutSession,
    customer: o.customer,
    customer_account: null,
    end: null,
    invoice: null,
    invoice_item: null,
    promotion_code: o.promotionCode,
    source: { coupon: o.coupon.id, type: "coupon" },
    start: now(),
    subscription: o.subscription,
    subscription_item: null,
  };
  put(state, accountId, discount);
  o.coupon.times_redeemed += 1;
  if (o.promotionCode) {
    const promo = state.objects.get(o.promotionCode)?.current as unknown as Stripe.PromotionCode | undefined;
    if (promo) promo.times_redeemed += 1;
  }
  return discount;
}

/**
 * An expandable id replaced by its object, as `expand` does: `discounts` turns di_… into
 * Discounts, `discounts.promotion_code` also their promotion codes.
 */
export function expandDiscount(state: SandboxState, id: string, withPromotionCode: boolean): Record<string, unknown> {
  const stored = state.objects.get(id);
  if (!stored) return { id };
  const discount = structuredClone(stored.current) as Record<string, unknown>;
  const promo = typeof discount.promotion_code === "string" ? state.objects.get(discount.promotion_code) : undefined;
  if (withPromotionCode && promo) discount.promotion_code = structuredClone(promo.current);
  return discount;
}
