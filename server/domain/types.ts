// The domain model. Every amount is an integer in the currency's minor unit; every currency is a
// lowercase ISO 4217 code. Times are epoch milliseconds.

export type Currency = string;

export interface Money {
  amount: number;
  currency: Currency;
}

export interface Workspace {
  id: string;
  name: string;
  createdAt: number;
}

export interface Member {
  id: string;
  workspaceId: string;
  email: string;
  /** scrypt$N$r$p$salt$hash, see server/domain/password.ts */
  passwordHash: string;
  createdAt: number;
  /** Raised to end every session of the member at once (password change, sign out everywhere); absent = 0. */
  sessionEpoch?: number;
}

export interface ApiKey {
  id: string;
  workspaceId: string;
  /** sha256 of the key; the key itself is shown once and never stored. */
  hash: string;
  /** The first characters, so a person can tell keys apart. */
  prefix: string;
  createdAt: number;
}

export type CommissionRule =
  | { type: "percent"; percent: number }
  | { type: "fixed"; amount: number; currency: Currency };

export type RecurringRule = { type: "once" } | { type: "months"; months: number } | { type: "lifetime" };

export type AttributionModel = "last" | "first";

/** Who may become an affiliate: invited by the merchant only, anyone after approval, or anyone at once. */
export type JoinPolicy = "invite" | "approval" | "open";

/** Where an affiliate wants to be paid; bank details are free text the merchant reads. */
export type PayoutMethod = { type: "paypal" | "wise"; email: string } | { type: "bank"; details: string };

export interface Program {
  id: string;
  workspaceId: string;
  /** Public key used by the snippet's data-program attribute. */
  key: string;
  name: string;
  /** The merchant's site, e.g. https://shop.example.com */
  url: string;
  cookieDays: number;
  attribution: AttributionModel;
  holdDays: number;
  commission: CommissionRule;
  recurring: RecurringRule;
  allowSelfReferral: boolean;
  /** absent on programs stored before it existed: invite */
  join?: JoinPolicy;
  /** the smallest payout per currency, minor units; absent: 0 */
  minPayout?: number;
  /** disabled: its links still send visitors to the site but record no click (absent: active) */
  status?: RecordStatus;
  createdAt: number;
}

/**
 * A program's or link's switch. Disabled stops new tracking only: visitors still reach the site
 * (a merchant's page must never break), conversions already recorded keep their status, and
 * clicks recorded before still earn, as a disabled affiliate's do.
 */
export type RecordStatus = "active" | "disabled";

/** pending: joined a program that approves, and not approved yet (may sign in, has no links). */
export type AffiliateStatus = "active" | "pending" | "disabled";

export interface Affiliate {
  id: string;
  workspaceId: string;
  programId: string;
  name: string;
  email: string;
  /** url-safe, unique within its program */
  code: string;
  status: AffiliateStatus;
  createdAt: number;
  /** when the affiliate last signed in to the portal */
  lastSignInAt?: number | null;
  payoutMethod?: PayoutMethod | null;
  /** the id of the one portal sign-in link still valid (a new link voids the older ones); null once used */
  portalLinkId?: string | null;
}

/** A Stripe promotion code tied to an affiliate: a payment made with it is that affiliate's. */
export interface PromoCode {
  /** pcd_… (Icodrip's id of the tie) */
  id: string;
  workspaceId: string;
  programId: string;
  affiliateId: string;
  /** the code as the customer types it; matched case-insensitively, unique within the workspace */
  code: string;
  /** Stripe's promo_… id, when the merchant gave it; unique within the workspace */
  stripePromotionCodeId: string | null;
  createdAt: number;
}

export interface Link {
  id: string;
  workspaceId: string;
  programId: string;
  affiliateId: string;
  /** globally unique short code: PUBLIC_URL/r/<code> */
  code: string;
  /** optional deep-link path on the program's site, starting with "/" */
  path: string | null;
  /** absent on links stored before it existed: active */
  status?: RecordStatus;
  createdAt: number;
}

export interface Click {
  /** icd_ + url-safe random (>= 96 bits) */
  id: string;
  workspaceId: string;
  programId: string;
  affiliateId: string;
  linkId: string | null;
  createdAt: number;
  /** createdAt + program.cookieDays */
  expiresAt: number;
  landingUrl: string | null;
  referrer: string | null;
  country: string | null;
  userAgent: string | null;
  /** sha256(ip + per-day salt); raw IPs are never stored */
  ipHash: string | null;
  /**
   * The click this visitor's referral cookie held when this one arrived (the snippet's `existing`):
   * evidence that both came from one browser. Set once; absent on clicks recorded before it existed.
   */
  previousClickId?: string | null;
  /** true once the click is in the report counters (absent on clicks stored before them) */
  counted?: true;
}

export interface Lead {
  workspaceId: string;
  programId: string;
  clickId: string;
  /** normalised: trimmed, lowercase */
  email: string;
  createdAt: number;
  /** "browser" from the snippet (POST /t/lead), "server" from the merchant (POST /api/v1/leads); absent means browser. */
  source?: LeadSource;
}

export type LeadSource = "browser" | "server";

export type MatchedBy = "client_reference_id" | "metadata" | "promo_code" | "lead_email" | "click_email" | "manual" | null;

/**
 * pending → approved after the hold → paid once its payout is paid; reversed on full refund or
 * lost dispute; on_hold during a dispute.
 */
export const CONVERSION_STATUSES = ["pending", "approved", "paid", "reversed", "on_hold", "unattributed", "awaiting_payment"] as const;
export type ConversionStatus = (typeof CONVERSION_STATUSES)[number];

/** One change of a conversion's status, or its entry into or out of a payout. */
export interface StatusChange {
  at: number;
  status: ConversionStatus;
  /** the payout it entered or left, when that was the change */
  payoutId?: string;
  note?: string;
}

export interface StripeRefs {
  accountId: string | null;
  eventId: string | null;
  checkoutSessionId: string | null;
  paymentIntentId: string | null;
  invoiceId: string | null;
  chargeId: string | null;
  customerId: string | null;
  subscriptionId: string | null;
}

export interface Conversion {
  id: string;
  workspaceId: string;
  programId: string | null;
  affiliateId: string | null;
  clickId: string | null;
  /** sale amount in minor units */
  amount: number;
  currency: Currency;
  /** commission before refunds */
  baseCommission: Money;
  /** commission after refunds (what is owed) */
  commission: Money;
  status: ConversionStatus;
  livemode: boolean;
  matchedBy: MatchedBy;
  /** which click or lead matched and when, in a sentence; null when unattributed (absent on older records) */
  matchDetail?: string | null;
  /** why it is unattributed, else null */
  reason: string | null;
  /** true when the customer's email equals the affiliate's */
  selfReferral: boolean;
  refundedAmount: number;
  customerEmail: string | null;
  /** "first" payment or a "renewal" */
  kind: "first" | "renewal" | "one_time";
  stripe: StripeRefs;
  createdAt: number;
  /** when the payment happened at Stripe */
  paidAt: number;
  /** when the commission becomes approved unless reversed */
  approvesAt: number;
  /** true once the record's share is in the report counters (absent on records stored before them) */
  counted?: true;
  /** the payout its commission is in (pending or paid); absent or null until then */
  payoutId?: string | null;
  /** commission paid to the affiliate for it, in the commission's currency (absent: 0) */
  paidCommission?: number;
  /** commission lost after it was paid and already taken back in later payouts (absent: 0) */
  clawedBack?: number;
  /** every change of status, oldest first (absent on records stored before it) */
  history?: StatusChange[];
}

export type PayoutStatus = "pending" | "paid" | "canceled";

/** A line of a payout: a conversion's approved commission, or commission taken back after it was paid. */
export interface PayoutLine {
  conversionId: string;
  kind: "commission" | "clawback";
  /** minor units; a claw-back is negative */
  amount: number;
}

/** What one affiliate is paid in one currency and mode at once: their approved commissions, less claw-backs. */
export interface Payout {
  /** po_… */
  id: string;
  workspaceId: string;
  programId: string;
  affiliateId: string;
  currency: Currency;
  livemode: boolean;
  /** the sum of the lines, minor units, > 0 */
  amount: number;
  status: PayoutStatus;
  lines: PayoutLine[];
  /** the affiliate's payout method when the payout was made; null when they had set none */
  method: PayoutMethod | null;
  /** the merchant's reference of the transfer (PayPal batch id, Wise transfer id…) */
  reference: string | null;
  createdAt: number;
  paidAt: number | null;
  canceledAt: number | null;
}

export type DeliveryOutcome = "processed" | "duplicate" | "ignored" | "unattributed" | "rejected" | "failed";

export interface WebhookDelivery {
  id: string;
  workspaceId: string | null;
  eventId: string | null;
  type: string | null;
  accountId: string | null;
  livemode: boolean | null;
  apiVersion: string | null;
  receivedAt: number;
  outcome: DeliveryOutcome;
  message: string;
  /**
   * How many deliveries this row stands for: rejected ones are coalesced into one row per log,
   * account, reason and minute. Absent (rows written before it existed) means 1.
   */
  count?: number;
  /**
   * False when the delivery failed signature verification (wrong secret, stale or future stamp):
   * its event, type, account, mode and API version are only what the unverified body claimed.
   * Absent means the row is Stripe's word (every row written before this field existed was).
   */
  verified?: boolean;
}

export type ConnectionMethod = "oauth" | "restricted_key";

export interface StripeConnection {
  workspaceId: string;
  accountId: string;
  livemode: boolean;
  method: ConnectionMethod;
  /** AES-256-GCM sealed access token or restricted key */
  sealedToken: string;
  webhook: {
    id: string;
    url: string;
    enabledEvents: string[];
    /** sealed signing secret; null for the platform endpoint (its secret is platform-wide) */
    sealedSecret: string | null;
  } | null;
  status: "connected" | "disconnected";
  lastEventAt: number | null;
  problem: string | null;
  connectedAt: number;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
