// Every key the store writes, in one place. Keys of a workspace share the hash tag {ws:ID}, so
// every commit stays on one Redis Cluster slot. The few global lookups (API key, program key,
// link code, Stripe account, OAuth state, member email) are single-key documents of their own.

const ws = (id: string) => `{ws:${id}}`;

export const keys = {
  workspace: (w: string) => `${ws(w)}:workspace`,
  member: (w: string, id: string) => `${ws(w)}:member:${id}`,
  apiKey: (w: string, id: string) => `${ws(w)}:apikey:${id}`,
  apiKeys: (w: string) => `${ws(w)}:apikeys`,
  session: (w: string, id: string) => `${ws(w)}:session:${id}`,

  program: (w: string, id: string) => `${ws(w)}:program:${id}`,
  programs: (w: string) => `${ws(w)}:programs`,

  affiliate: (w: string, id: string) => `${ws(w)}:affiliate:${id}`,
  affiliates: (w: string) => `${ws(w)}:affiliates`,
  affiliatesOfProgram: (w: string, programId: string) => `${ws(w)}:affiliates:program:${programId}`,
  affiliateCode: (w: string, programId: string, code: string) => `${ws(w)}:affcode:${programId}:${code.toLowerCase()}`,

  /** an affiliate's email in one program → the affiliate (joining refuses a second) */
  affiliateEmail: (w: string, programId: string, email: string) => `${ws(w)}:affemail:${programId}:${email.toLowerCase()}`,
  /** a signed-in affiliate's portal session (the icodrip_portal cookie names it) */
  portalSession: (w: string, id: string) => `${ws(w)}:portalsession:${id}`,

  link: (w: string, id: string) => `${ws(w)}:link:${id}`,
  links: (w: string) => `${ws(w)}:links`,
  linksOfAffiliate: (w: string, affiliateId: string) => `${ws(w)}:links:affiliate:${affiliateId}`,

  promoCode: (w: string, id: string) => `${ws(w)}:promo:${id}`,
  promoCodes: (w: string) => `${ws(w)}:promos`,
  promoCodesOfAffiliate: (w: string, affiliateId: string) => `${ws(w)}:promos:affiliate:${affiliateId}`,
  /** a promotion code's text, lowercased → its tie (one per workspace) */
  promoCodeText: (w: string, code: string) => `${ws(w)}:promotext:${code.toLowerCase()}`,
  /** a Stripe promo_… id → its tie (one per workspace) */
  promoCodeStripe: (w: string, stripeId: string) => `${ws(w)}:promostripe:${stripeId}`,

  click: (w: string, id: string) => `${ws(w)}:click:${id}`,
  clicks: (w: string) => `${ws(w)}:clicks`,
  clicksOfProgram: (w: string, programId: string) => `${ws(w)}:clicks:program:${programId}`,
  clicksOfAffiliate: (w: string, affiliateId: string) => `${ws(w)}:clicks:affiliate:${affiliateId}`,
  clickRepeat: (w: string, fingerprint: string) => `${ws(w)}:clickrepeat:${fingerprint}`,
  /** an address's clicks and leads in one window (tracking/record-click.ts names the bucket) */
  clickRate: (w: string, bucket: string) => `${ws(w)}:rate:${bucket}`,
  clickByEmail: (w: string, email: string) => `${ws(w)}:clickemail:${email}`,
  lead: (w: string, email: string) => `${ws(w)}:lead:${email}`,
  /** the distinct emails browser leads of a click named (capped, see domain/lead.ts) */
  leadsOfClick: (w: string, clickId: string) => `${ws(w)}:clickleads:${clickId}`,

  conversion: (w: string, id: string) => `${ws(w)}:conversion:${id}`,
  conversions: (w: string) => `${ws(w)}:conversions`,
  conversionsOfProgram: (w: string, programId: string) => `${ws(w)}:conversions:program:${programId}`,
  conversionsOfAffiliate: (w: string, affiliateId: string) => `${ws(w)}:conversions:affiliate:${affiliateId}`,
  /** a Stripe object id (cs_, in_, pi_, ch_) → the conversion it produced */
  paymentRef: (w: string, stripeId: string) => `${ws(w)}:payref:${stripeId}`,
  /** a Stripe subscription or customer id → the referral it belongs to */
  billingLink: (w: string, stripeId: string) => `${ws(w)}:billing:${stripeId}`,
  /** the PaymentIntent and Charge that paid an invoice (invoice_payment.paid) */
  invoicePayment: (w: string, invoiceId: string) => `${ws(w)}:invoicepayment:${invoiceId}`,
  /** cumulative refund seen for a charge before its conversion existed */
  earlyRefund: (w: string, chargeOrIntent: string) => `${ws(w)}:earlyrefund:${chargeOrIntent}`,
  event: (w: string, eventId: string) => `${ws(w)}:event:${eventId}`,

  /**
   * A counter (field "v") that every commit writing or deleting a program, affiliate or link of
   * the workspace raises (Unit.toCommit), so an instance caching them knows when to read again.
   */
  configVersion: (w: string) => `${ws(w)}:configversion`,

  /** pending conversions by the time their hold ends (Store.approveDue makes them approved) */
  approvals: (w: string) => `${ws(w)}:approvals`,
  /** conversions a payout run can take from: approved and in no payout, or owing a claw-back */
  payable: (w: string) => `${ws(w)}:payable`,
  /** present once conversions stored before the payable index are in it (Store.indexOldPayables) */
  payableComplete: (w: string) => `${ws(w)}:payable:complete`,
  payout: (w: string, id: string) => `${ws(w)}:payout:${id}`,
  payouts: (w: string) => `${ws(w)}:payouts`,
  payoutsOfAffiliate: (w: string, affiliateId: string) => `${ws(w)}:payouts:affiliate:${affiliateId}`,

  /** report counters of one UTC day: the workspace's ("all"), a program's ("p:ID") or an affiliate's ("a:ID") */
  stats: (w: string, scope: string, day: string) => `${ws(w)}:stats:${scope}:${day}`,
  /** report counters of one UTC day for every affiliate, fields prefixed "PROGRAM|AFFILIATE|" */
  statsByAffiliate: (w: string, day: string) => `${ws(w)}:stats:byaff:${day}`,
  /** how many times clicks and conversions were written: open pages poll it to know when to reload */
  statsVersion: (w: string) => `${ws(w)}:stats:version`,
  /** present once every row of the workspace is in the counters (Store.countOldRows) */
  statsComplete: (w: string) => `${ws(w)}:stats:complete`,

  delivery: (w: string, id: string) => `${ws(w)}:delivery:${id}`,
  deliveries: (w: string) => `${ws(w)}:deliveries`,

  /** a write that claimed global keys and has not published its documents yet (Store.publish) */
  pending: (w: string, id: string) => `${ws(w)}:pending:${id}`,
  /** written by every child create, read by the parent's delete: the two cannot interleave */
  children: (w: string, parent: "program" | "affiliate", id: string) => `${ws(w)}:children:${parent}:${id}`,

  connection: (w: string, accountId: string, livemode: boolean) =>
    `${ws(w)}:connection:${accountId}:${livemode ? "live" : "test"}`,
  connections: (w: string) => `${ws(w)}:connections`,

  global: {
    apiKey: (hash: string) => `apikey:${hash}`,
    memberEmail: (email: string) => `memberemail:${email}`,
    programKey: (key: string) => `programkey:${key}`,
    linkCode: (code: string) => `linkcode:${code}`,
    account: (accountId: string, livemode: boolean) => `account:${accountId}:${livemode ? "live" : "test"}`,
    oauthState: (state: string) => `oauthstate:${state}`,
    platformEndpoint: (livemode: boolean) => `platformendpoint:${livemode ? "live" : "test"}`,
    rate: (bucket: string) => `rate:${bucket}`,
    /** every affiliate with this email, in any workspace, as WORKSPACE|AFFILIATE (portal sign-in by email) */
    affiliatesByEmail: (email: string) => `affemails:${email.toLowerCase()}`,
    /** a portal sign-in link's token hash → the affiliate and the link's id (expires with the link) */
    portalLink: (hash: string) => `portallink:${hash}`,
    deliveries: () => `{platform}:deliveries`,
    delivery: (id: string) => `{platform}:delivery:${id}`,
  },
};

/** The workspace's config-version counter when `docKey` is one of its programs, affiliates or links; else null. */
export function configVersionKeyOf(docKey: string): string | null {
  const m = /^(\{ws:[^}]+\}):(?:program|affiliate|link):[^:]+$/.exec(docKey);
  return m ? `${m[1]}:configversion` : null;
}
