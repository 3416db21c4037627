import type {
  Affiliate,
  ApiKey,
  Click,
  Conversion,
  Lead,
  Link,
  Member,
  Page,
  Payout,
  Program,
  PromoCode,
  StripeConnection,
  WebhookDelivery,
  Workspace,
} from "../domain/types.js";
import { randomBytes } from "node:crypto";
import { emptyCommit, type Backend, type Doc } from "./backend.js";
import { IcodripError } from "../domain/errors.js";
import { keys } from "./keys.js";
import { onConfigChange, StoreConflictError, transact, Unit } from "./unit.js";
import { decodeCursor, encodeCursor } from "./cursor.js";
import { Ledger } from "./ledger.js";
import { bumpVersion, countTally } from "./stats.js";
import { clickTally } from "../reports/figures.js";
import { isPayable } from "../payouts/plan.js";
import { DAY_MS } from "../domain/calendar.js";

/** A uniqueness rule was broken; `field` names what is taken. */
export class StoreConflict extends IcodripError {
  readonly code = "conflict";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A commit threw instead of answering (the connection was lost mid-call): it may or may not have
 * been applied. Distinct from work that failed before committing, which applied nothing.
 */
export class CommitOutcomeUnknown extends IcodripError {
  readonly code = "commit_outcome_unknown";
  constructor(cause: unknown) {
    super(`The store did not confirm the change (${cause instanceof Error ? cause.message : String(cause)}); it may or may not have been applied.`, { cause });
  }
}

export interface RecordEventOptions {
  /** keys the work will likely read (see Ledger's hintedKeys), fetched with the event's record */
  readAhead?: string[];
  /** the id of the delivery row `row` will answer, so its key is fetched ahead too */
  deliveryId?: string;
  /** documents already read, with their versions (connectionWith): the first attempt uses them as its reads */
  ahead?: ReadonlyMap<string, Doc | null>;
}

export interface ListQuery {
  limit: number;
  cursor?: string | null;
  /** createdAt bounds, inclusive, epoch ms */
  from?: number;
  to?: number;
}

export interface OAuthState {
  workspaceId: string;
  memberId: string;
  /** binds the state to the browser session that started the flow */
  sessionId: string;
  livemode: boolean | null;
  createdAt: number;
}

/** A member's browser session; the cookie carries its id, signed. */
export interface Session {
  id: string;
  workspaceId: string;
  memberId: string;
  /** the member's sessionEpoch when the session began; a later epoch ends it */
  epoch: number;
  createdAt: number;
  expiresAt: number;
}

/** A signed-in affiliate's portal session; the icodrip_portal cookie carries its id, signed. */
export interface PortalSession {
  id: string;
  workspaceId: string;
  affiliateId: string;
  createdAt: number;
  expiresAt: number;
}

export interface PlatformEndpoint {
  id: string;
  url: string;
  enabledEvents: string[];
  sealedSecret: string;
  createdAt: number;
}

const CLICK_RETENTION_MARGIN_MS = 7 * DAY_MS;

export interface RecordedClick {
  click: Click;
  /** this visitor's earlier click, answered instead of recording a new one */
  repeated: boolean;
}

/** A fixed-window count of an address's clicks in a workspace (the same bucket its leads count in). */
export interface ClickRate {
  bucket: string;
  windowMs: number;
  limit: number;
}

/** What the store reads for a lead decision, inside the unit (see offerLead). */
export interface LeadStoreState {
  /** the incoming lead's click, read in the unit; null when it is gone */
  click: Click | null;
  existing: Lead | null;
  existingClick: Click | null;
  chain: string[];
  emailsOfClick: string[];
}

/** What a global lookup key holds: the workspace it routes to, and the write that claimed it. */
type ClaimRef = { workspaceId: string; pending?: string } & Record<string, string | undefined>;

/** A global key that a compound write claims before it publishes its workspace documents. */
interface GlobalClaim {
  key: string;
  value: { workspaceId: string } & Record<string, string>;
  /**
   * Whether the key's current owner still holds it. Runs in a unit on the owner's workspace
   * (its keys share one slot); a claim whose documents were never published is not held.
   */
  held(u: Unit, ref: ClaimRef): Promise<boolean>;
  conflict(): Error;
}

const PUBLISH_ATTEMPTS = 10;

/**
 * The store the server talks to: shaped by the domain, atomic where money is involved.
 * It runs on either backend (Redis or embedded SQLite) with identical behaviour; the contract
 * suite in test/store proves it.
 */
export class Store {
  /** account and mode → the workspace last found connected to it (see connectionWith) */
  private readonly accountRoutes = new Map<string, string>();

  constructor(readonly backend: Backend) {}

  get kind(): "redis" | "embedded" {
    return this.backend.kind;
  }

  close(): Promise<void> {
    return this.backend.close();
  }

  // ---- workspaces, members, API keys -------------------------------------------------------

  async createWorkspace(workspace: Workspace, member: Member, apiKey: ApiKey): Promise<void> {
    const email = member.email.toLowerCase();
    const w = workspace.id;
    // The email and key lookups are claimed first and the account's documents written last, in one
    // commit: a crash in between leaves claims that point at nothing, which lookups answer as absent
    // and a retried signup takes over.
    await this.publish(
      w,
      [
        {
          key: keys.global.memberEmail(email),
          value: { workspaceId: w, memberId: member.id },
          held: async (u, ref) => (await u.read(keys.member(ref.workspaceId, ref.memberId ?? ""))) !== null,
          conflict: () => new StoreConflict("email", `An account with ${email} exists already; sign in instead.`),
        },
        {
          key: keys.global.apiKey(apiKey.hash),
          value: { workspaceId: w, apiKeyId: apiKey.id },
          held: async (u, ref) => (await u.read(keys.apiKey(ref.workspaceId, ref.apiKeyId ?? ""))) !== null,
          conflict: () => new StoreConflict("id", "That identifier is taken; try again."),
        },
      ],
      (u) => {
        u.write(keys.workspace(w), workspace);
        // Every row of a new workspace is counted as it is written: nothing older to count.
        u.write(keys.statsComplete(w), { at: workspace.createdAt });
        u.write(keys.member(w, member.id), member);
        u.write(keys.apiKey(w, apiKey.id), apiKey);
        u.index(keys.apiKeys(w), apiKey.id, apiKey.createdAt);
      },
    );
  }

  async workspaceByApiKeyHash(hash: string): Promise<Workspace | null> {
    const ref = await this.doc<{ workspaceId: string }>(keys.global.apiKey(hash));
    return ref ? this.doc<Workspace>(keys.workspace(ref.workspaceId)) : null;
  }

  async memberByEmail(email: string): Promise<Member | null> {
    const ref = await this.doc<{ workspaceId: string; memberId: string }>(keys.global.memberEmail(email.toLowerCase()));
    // An unknown email reads a member too (one that never exists), so both answers cost the same
    // two reads and sign-in timing does not tell which emails have accounts.
    const member = await this.doc<Member>(keys.member(ref?.workspaceId ?? "none", ref?.memberId ?? "none"));
    return ref ? member : null;
  }

  getMember(workspaceId: string, memberId: string): Promise<Member | null> {
    return this.doc<Member>(keys.member(workspaceId, memberId));
  }

  getWorkspace(workspaceId: string): Promise<Workspace | null> {
    return this.doc<Workspace>(keys.workspace(workspaceId));
  }

  /**
   * Ends every session of a member at once: sessions carry the member's epoch from when they
   * began, and one of an older epoch is refused, so no session record has to be found.
   * Answers the member as now stored, or null if there is none.
   */
  async endMemberSessions(workspaceId: string, memberId: string): Promise<Member | null> {
    return transact(this.backend, async (u) => {
      const key = keys.member(workspaceId, memberId);
      const member = await u.read<Member>(key);
      if (!member) return null;
      const next = { ...member, sessionEpoch: (member.sessionEpoch ?? 0) + 1 };
      u.write(key, next);
      return next;
    });
  }

  /**
   * Replaces a member's password hash and ends all their sessions in one commit, only if the
   * hash is still the one the caller verified (a concurrent change wins, this one answers null).
   */
  async changePassword(workspaceId: string, memberId: string, verifiedHash: string, newHash: string): Promise<Member | null> {
    return transact(this.backend, async (u) => {
      const key = keys.member(workspaceId, memberId);
      const member = await u.read<Member>(key);
      if (!member || member.passwordHash !== verifiedHash) return null;
      const next = { ...member, passwordHash: newHash, sessionEpoch: (member.sessionEpoch ?? 0) + 1 };
      u.write(key, next);
      return next;
    });
  }

  // ---- sessions ----------------------------------------------------------------------------

  /** A member's browser session, kept until it expires or is ended. */
  async createSession(session: Session): Promise<void> {
    await transact(this.backend, (u) => {
      u.write(keys.session(session.workspaceId, session.id), session, Math.max(1, session.expiresAt - session.createdAt));
    });
  }

  getSession(workspaceId: string, id: string): Promise<Session | null> {
    return this.doc<Session>(keys.session(workspaceId, id));
  }

  async deleteSession(workspaceId: string, id: string): Promise<void> {
    await transact(this.backend, (u) => {
      u.remove(keys.session(workspaceId, id));
    });
  }

  // ---- API keys ----------------------------------------------------------------------------

  /**
   * A further API key. The workspace's record is written before the global lookup that makes
   * the key work (publish last): a crash in between leaves a listed key that does not work and
   * can be deleted, never a working key nobody can see.
   */
  async createApiKey(apiKey: ApiKey): Promise<void> {
    await this.indexApiKey(apiKey);
    try {
      await this.claim(keys.global.apiKey(apiKey.hash), { workspaceId: apiKey.workspaceId, apiKeyId: apiKey.id });
    } catch (error) {
      // The hash is taken (never for a random key): take the record back off the list.
      await transact(this.backend, (u) => {
        u.remove(keys.apiKey(apiKey.workspaceId, apiKey.id));
        u.unindex(keys.apiKeys(apiKey.workspaceId), apiKey.id);
      });
      throw error;
    }
  }

  /** Writes the key's record and lists it (createWorkspace writes the first key's record but does not list it). */
  async indexApiKey(apiKey: ApiKey): Promise<void> {
    await transact(this.backend, (u) => {
      u.write(keys.apiKey(apiKey.workspaceId, apiKey.id), apiKey);
      u.index(keys.apiKeys(apiKey.workspaceId), apiKey.id, apiKey.createdAt);
    });
  }

  async listApiKeys(workspaceId: string, limit = 100): Promise<ApiKey[]> {
    return (await this.list<ApiKey>(keys.apiKeys(workspaceId), (id) => keys.apiKey(workspaceId, id), { limit })).data;
  }

  /**
   * Deletes a key: the global lookup goes first, so the key stops working before it leaves the
   * list. Answers false when the workspace has no such key.
   */
  async deleteApiKey(workspaceId: string, id: string): Promise<boolean> {
    const apiKey = await this.doc<ApiKey>(keys.apiKey(workspaceId, id));
    if (!apiKey) return false;
    await this.backend.commit({ checks: [], puts: [], deletes: [keys.global.apiKey(apiKey.hash)], indexAdds: [], indexRemoves: [] });
    await transact(this.backend, (u) => {
      u.remove(keys.apiKey(workspaceId, id));
      u.unindex(keys.apiKeys(workspaceId), id);
    });
    return true;
  }

  // ---- programs ----------------------------------------------------------------------------

  async createProgram(program: Program): Promise<void> {
    const w = program.workspaceId;
    await this.publish(
      w,
      [
        {
          key: keys.global.programKey(program.key),
          value: { workspaceId: w, programId: program.id },
          held: async (u, ref) => (await u.read(keys.program(ref.workspaceId, ref.programId ?? ""))) !== null,
          conflict: () => new StoreConflict("id", "That identifier is taken; try again."),
        },
      ],
      (u) => {
        u.write(keys.program(w, program.id), program);
        u.index(keys.programs(w), program.id, program.createdAt);
      },
    );
  }

  getProgram(workspaceId: string, id: string): Promise<Program | null> {
    return this.doc<Program>(keys.program(workspaceId, id));
  }

  async programByKey(key: string): Promise<Program | null> {
    const ref = await this.doc<{ workspaceId: string; programId: string }>(keys.global.programKey(key));
    return ref ? this.getProgram(ref.workspaceId, ref.programId) : null;
  }

  /**
   * Applies `changes` to the program as it is at commit time (read-modify-write in one unit), so
   * two PATCHes of different fields at once both land. Answers the program after, or null if gone.
   */
  async updateProgram(workspaceId: string, id: string, changes: Partial<Program>): Promise<Program | null> {
    return transact(this.backend, async (u) => {
      const current = await u.read<Program>(keys.program(workspaceId, id));
      if (!current) return null;
      const next = { ...current, ...changes, id: current.id, workspaceId: current.workspaceId, key: current.key };
      u.write(keys.program(workspaceId, id), next);
      return next;
    });
  }

  async deleteProgram(workspaceId: string, id: string): Promise<void> {
    // The program leaves its workspace first, in one commit; its global key is cleaned up after.
    // A crash in between leaves a key pointing at nothing, which programByKey answers as absent.
    const program = await transact(this.backend, async (u) => {
      const found = await u.read<Program>(keys.program(workspaceId, id));
      if (!found) return null;
      // Read before the index: an affiliate created after this read changes it, so this unit reruns.
      await u.read(keys.children(workspaceId, "program", id));
      const hasAffiliates = await this.backend.range(keys.affiliatesOfProgram(workspaceId, id), { limit: 1 });
      if (hasAffiliates.length > 0) {
        throw new StoreConflict("programId", "This program still has affiliates; delete or move them first.");
      }
      u.remove(keys.program(workspaceId, id));
      u.remove(keys.children(workspaceId, "program", id));
      u.unindex(keys.programs(workspaceId), id);
      return found;
    });
    if (program) await this.releaseClaim(keys.global.programKey(program.key), (ref) => ref.programId === id);
  }

  listPrograms(workspaceId: string, q: ListQuery): Promise<Page<Program>> {
    return this.list(keys.programs(workspaceId), (id) => keys.program(workspaceId, id), q);
  }

  // ---- affiliates --------------------------------------------------------------------------

  /**
   * Creates an affiliate. With `uniqueEmail` (joining a program) a second affiliate with the same
   * email in the program is refused; the merchant may add one by hand (two people sharing an
   * inbox, say). The email lookup for portal sign-in is global, so it is added after the commit.
   */
  async createAffiliate(affiliate: Affiliate, options: { uniqueEmail?: boolean } = {}): Promise<void> {
    const w = affiliate.workspaceId;
    await transact(this.backend, async (u) => {
      if (!(await u.read(keys.program(w, affiliate.programId)))) {
        throw new StoreConflict("programId", "This program was deleted; choose another program.");
      }
      const emailKey = keys.affiliateEmail(w, affiliate.programId, affiliate.email);
      const holder = await u.read<{ affiliateId: string }>(emailKey);
      if (options.uniqueEmail && holder && (await u.read<Affiliate>(keys.affiliate(w, holder.affiliateId)))?.email === affiliate.email.toLowerCase()) {
        throw new StoreConflict("email", "This email has joined this program already; sign in to the affiliates' portal instead.");
      }
      u.write(emailKey, { affiliateId: affiliate.id });
      // Makes a concurrent delete of the program rerun and see this affiliate (deleteProgram).
      u.write(keys.children(w, "program", affiliate.programId), { at: Date.now() });
      const codeKey = keys.affiliateCode(w, affiliate.programId, affiliate.code);
      if (await u.read(codeKey)) {
        throw new StoreConflict("code", `The code "${affiliate.code}" is taken in this program; choose another.`);
      }
      u.write(codeKey, { affiliateId: affiliate.id });
      u.write(keys.affiliate(w, affiliate.id), affiliate);
      u.index(keys.affiliates(w), affiliate.id, affiliate.createdAt);
      u.index(keys.affiliatesOfProgram(w, affiliate.programId), affiliate.id, affiliate.createdAt);
    });
    await this.indexAffiliateEmail(affiliate, null);
  }

  /**
   * Keeps the global email → affiliates lookup in step with an affiliate's email (`before`: the
   * email it had, null for a new one, and `after` null when it is deleted). A separate commit,
   * since the lookup lives outside the workspace's slot; readers check each entry against the
   * affiliate itself, so an entry left behind by a crash matches nobody.
   */
  private async indexAffiliateEmail(after: Affiliate | null, before: Affiliate | null): Promise<void> {
    const ref = (a: Affiliate) => `${a.workspaceId}|${a.id}`;
    if (before && (!after || before.email.toLowerCase() !== after.email.toLowerCase())) {
      await this.backend.commit({ checks: [], puts: [], deletes: [], indexAdds: [], indexRemoves: [{ key: keys.global.affiliatesByEmail(before.email), member: ref(before) }] });
    }
    if (after && (!before || before.email.toLowerCase() !== after.email.toLowerCase())) {
      await this.backend.commit({ checks: [], puts: [], deletes: [], indexAdds: [{ key: keys.global.affiliatesByEmail(after.email), member: ref(after), score: after.createdAt }], indexRemoves: [] });
    }
  }

  /** Every affiliate, in any workspace, whose email this is (at most 50). */
  async affiliatesByEmail(email: string): Promise<Affiliate[]> {
    const entries = await this.backend.range(keys.global.affiliatesByEmail(email), { limit: 50 });
    const found = await Promise.all(
      entries.map(({ member }) => {
        const [w, id] = member.split("|");
        return this.getAffiliate(w, id);
      }),
    );
    return found.filter((a): a is Affiliate => a !== null && a.email.toLowerCase() === email.toLowerCase());
  }

  /** Applies `changes` to the affiliate as it is at commit time; a new code is claimed in the same unit. */
  async updateAffiliate(workspaceId: string, id: string, changes: Partial<Affiliate>): Promise<Affiliate | null> {
    const w = workspaceId;
    const changed = await transact(this.backend, async (u) => {
      const before = await u.read<Affiliate>(keys.affiliate(w, id));
      if (!before) return null;
      const after: Affiliate = { ...before, ...changes, id: before.id, workspaceId: before.workspaceId, programId: before.programId };
      if (before.code.toLowerCase() !== after.code.toLowerCase()) {
        const codeKey = keys.affiliateCode(w, after.programId, after.code);
        if (await u.read(codeKey)) {
          throw new StoreConflict("code", `The code "${after.code}" is taken in this program; choose another.`);
        }
        u.write(codeKey, { affiliateId: after.id });
        u.remove(keys.affiliateCode(w, before.programId, before.code));
      }
      if (before.email.toLowerCase() !== after.email.toLowerCase()) {
        const oldKey = keys.affiliateEmail(w, before.programId, before.email);
        if ((await u.read<{ affiliateId: string }>(oldKey))?.affiliateId === before.id) u.remove(oldKey);
        u.write(keys.affiliateEmail(w, after.programId, after.email), { affiliateId: after.id });
      }
      u.write(keys.affiliate(w, after.id), after);
      return { before, after };
    });
    if (changed) await this.indexAffiliateEmail(changed.after, changed.before);
    return changed?.after ?? null;
  }

  async deleteAffiliate(affiliate: Affiliate): Promise<void> {
    const w = affiliate.workspaceId;
    await transact(this.backend, async (u) => {
      // Read before the index: a link created after this read changes it, so this unit reruns.
      await u.read(keys.children(w, "affiliate", affiliate.id));
      const links = await this.backend.range(keys.linksOfAffiliate(w, affiliate.id), { limit: 1 });
      if (links.length > 0) throw new StoreConflict("affiliateId", "This affiliate still has links; delete them first.");
      const promos = await this.backend.range(keys.promoCodesOfAffiliate(w, affiliate.id), { limit: 1 });
      if (promos.length > 0) throw new StoreConflict("affiliateId", "This affiliate still has promotion codes; delete them first.");
      u.remove(keys.children(w, "affiliate", affiliate.id));
      u.remove(keys.affiliate(w, affiliate.id));
      u.remove(keys.affiliateCode(w, affiliate.programId, affiliate.code));
      const emailKey = keys.affiliateEmail(w, affiliate.programId, affiliate.email);
      if ((await u.read<{ affiliateId: string }>(emailKey))?.affiliateId === affiliate.id) u.remove(emailKey);
      u.unindex(keys.affiliates(w), affiliate.id);
      u.unindex(keys.affiliatesOfProgram(w, affiliate.programId), affiliate.id);
    });
    await this.indexAffiliateEmail(null, affiliate);
  }

  // ---- the affiliates' portal --------------------------------------------------------------

  /**
   * Makes a sign-in link the affiliate's only valid one: the token's lookup is written first (it
   * leads nowhere until the affiliate names its id), then the affiliate records the link's id,
   * which voids every older link. Answers false when the affiliate is gone.
   */
  async issuePortalLink(affiliate: Affiliate, tokenHash: string, linkId: string, expiresAt: number, now: number): Promise<boolean> {
    const w = affiliate.workspaceId;
    await this.claim(keys.global.portalLink(tokenHash), { workspaceId: w, affiliateId: affiliate.id, linkId, expiresAt }, undefined, Math.max(1, expiresAt - now));
    return transact(this.backend, async (u) => {
      const current = await u.read<Affiliate>(keys.affiliate(w, affiliate.id));
      if (!current) return false;
      u.write(keys.affiliate(w, affiliate.id), { ...current, portalLinkId: linkId } satisfies Affiliate);
      return true;
    });
  }

  /** What a sign-in link's token leads to, if it was issued and has not expired. */
  portalLinkByHash(tokenHash: string): Promise<{ workspaceId: string; affiliateId: string; linkId: string; expiresAt: number } | null> {
    return this.doc(keys.global.portalLink(tokenHash));
  }

  /**
   * Uses a sign-in link once: in one unit the affiliate must still name this link (not used, not
   * replaced by a newer one) and not be disabled; the link is then spent and the session written.
   * Answers the affiliate, or why not.
   */
  async usePortalLink(
    tokenHash: string,
    session: PortalSession,
  ): Promise<{ affiliate: Affiliate } | { refused: "unknown" | "used" | "expired" | "disabled" }> {
    const ref = await this.portalLinkByHash(tokenHash);
    if (!ref) return { refused: "unknown" };
    if (ref.expiresAt <= session.createdAt) return { refused: "expired" };
    const w = ref.workspaceId;
    const result = await transact(this.backend, async (u): Promise<{ affiliate: Affiliate } | { refused: "used" | "disabled" }> => {
      const affiliate = await u.read<Affiliate>(keys.affiliate(w, ref.affiliateId));
      if (!affiliate || affiliate.portalLinkId !== ref.linkId) return { refused: "used" };
      if (affiliate.status === "disabled") return { refused: "disabled" };
      const signedIn: Affiliate = { ...affiliate, portalLinkId: null, lastSignInAt: session.createdAt };
      u.write(keys.affiliate(w, affiliate.id), signedIn);
      u.write(keys.portalSession(w, session.id), { ...session, workspaceId: w, affiliateId: affiliate.id }, Math.max(1, session.expiresAt - session.createdAt));
      return { affiliate: signedIn };
    });
    if ("affiliate" in result) await this.releaseClaim(keys.global.portalLink(tokenHash), (r) => r.linkId === ref.linkId);
    return result;
  }

  getPortalSession(workspaceId: string, id: string): Promise<PortalSession | null> {
    return this.doc<PortalSession>(keys.portalSession(workspaceId, id));
  }

  async deletePortalSession(workspaceId: string, id: string): Promise<void> {
    await transact(this.backend, (u) => {
      u.remove(keys.portalSession(workspaceId, id));
    });
  }

  getAffiliate(workspaceId: string, id: string): Promise<Affiliate | null> {
    return this.doc<Affiliate>(keys.affiliate(workspaceId, id));
  }

  async affiliateByCode(workspaceId: string, programId: string, code: string): Promise<Affiliate | null> {
    const ref = await this.doc<{ affiliateId: string }>(keys.affiliateCode(workspaceId, programId, code));
    return ref ? this.getAffiliate(workspaceId, ref.affiliateId) : null;
  }

  listAffiliates(workspaceId: string, q: ListQuery & { programId?: string; status?: string }): Promise<Page<Affiliate>> {
    const index = q.programId ? keys.affiliatesOfProgram(workspaceId, q.programId) : keys.affiliates(workspaceId);
    return this.list(index, (id) => keys.affiliate(workspaceId, id), q, (a: Affiliate) => !q.status || a.status === q.status);
  }

  // ---- promotion codes ---------------------------------------------------------------------

  /**
   * Ties a promotion code to an affiliate. Its text (case-insensitive) and its Stripe id each
   * belong to one tie in the workspace: both are claimed in the same unit as the tie, so two
   * racing creates of one code cannot both succeed.
   */
  async createPromoCode(promo: PromoCode): Promise<void> {
    const w = promo.workspaceId;
    await transact(this.backend, async (u) => {
      if (!(await u.read(keys.affiliate(w, promo.affiliateId)))) {
        throw new StoreConflict("affiliateId", "This affiliate was deleted; choose another affiliate.");
      }
      // Makes a concurrent delete of the affiliate rerun and see this code (deleteAffiliate).
      u.write(keys.children(w, "affiliate", promo.affiliateId), { at: Date.now() });
      const textKey = keys.promoCodeText(w, promo.code);
      if (await u.read(textKey)) {
        throw new StoreConflict("code", `The promotion code "${promo.code}" is already tied to an affiliate in this workspace; delete that tie first.`);
      }
      u.write(textKey, { promoCodeId: promo.id });
      if (promo.stripePromotionCodeId) {
        const stripeKey = keys.promoCodeStripe(w, promo.stripePromotionCodeId);
        if (await u.read(stripeKey)) {
          throw new StoreConflict(
            "stripePromotionCodeId",
            `The Stripe promotion code ${promo.stripePromotionCodeId} is already tied to an affiliate in this workspace; delete that tie first.`,
          );
        }
        u.write(stripeKey, { promoCodeId: promo.id });
      }
      u.write(keys.promoCode(w, promo.id), promo);
      u.index(keys.promoCodes(w), promo.id, promo.createdAt);
      u.index(keys.promoCodesOfAffiliate(w, promo.affiliateId), promo.id, promo.createdAt);
    });
  }

  getPromoCode(workspaceId: string, id: string): Promise<PromoCode | null> {
    return this.doc<PromoCode>(keys.promoCode(workspaceId, id));
  }

  /** Removes the tie and frees its text and Stripe id; payments from then on are not matched by it. */
  async deletePromoCode(promo: PromoCode): Promise<void> {
    const w = promo.workspaceId;
    await transact(this.backend, async (u) => {
      if (!(await u.read(keys.promoCode(w, promo.id)))) return;
      u.remove(keys.promoCode(w, promo.id));
      u.remove(keys.promoCodeText(w, promo.code));
      if (promo.stripePromotionCodeId) u.remove(keys.promoCodeStripe(w, promo.stripePromotionCodeId));
      u.unindex(keys.promoCodes(w), promo.id);
      u.unindex(keys.promoCodesOfAffiliate(w, promo.affiliateId), promo.id);
    });
  }

  listPromoCodes(workspaceId: string, q: ListQuery & { affiliateId?: string }): Promise<Page<PromoCode>> {
    const index = q.affiliateId ? keys.promoCodesOfAffiliate(workspaceId, q.affiliateId) : keys.promoCodes(workspaceId);
    return this.list(index, (id) => keys.promoCode(workspaceId, id), q);
  }

  /** Whether the workspace ties any promotion code: a payment's code is only worth reading from Stripe then. */
  async hasPromoCodes(workspaceId: string): Promise<boolean> {
    return (await this.backend.range(keys.promoCodes(workspaceId), { limit: 1 })).length > 0;
  }

  // ---- links -------------------------------------------------------------------------------

  async createLink(link: Link): Promise<void> {
    const w = link.workspaceId;
    await this.publish(
      w,
      [
        {
          key: keys.global.linkCode(link.code),
          value: { workspaceId: w, linkId: link.id },
          held: async (u, ref) => (await u.read(keys.link(ref.workspaceId, ref.linkId ?? ""))) !== null,
          conflict: () => new StoreConflict("code", `The link code "${link.code}" is taken.`),
        },
      ],
      async (u) => {
        if (!(await u.read(keys.affiliate(w, link.affiliateId)))) {
          throw new StoreConflict("affiliateId", "This affiliate was deleted; choose another affiliate.");
        }
        // Makes a concurrent delete of the affiliate rerun and see this link (deleteAffiliate).
        u.write(keys.children(w, "affiliate", link.affiliateId), { at: Date.now() });
        u.write(keys.link(w, link.id), link);
        u.index(keys.links(w), link.id, link.createdAt);
        u.index(keys.linksOfAffiliate(w, link.affiliateId), link.id, link.createdAt);
      },
    );
  }

  getLink(workspaceId: string, id: string): Promise<Link | null> {
    return this.doc<Link>(keys.link(workspaceId, id));
  }

  /** Calls `listener` with the workspace's config-version key after each change this process commits to its programs, affiliates or links. */
  onConfigChange(listener: (counterKey: string) => void): void {
    onConfigChange(this.backend, listener);
  }

  /** Raised by every change to the workspace's programs, affiliates and links (keys.configVersion). */
  async configVersion(workspaceId: string): Promise<number> {
    const [counters] = await this.backend.counters([keys.configVersion(workspaceId)]);
    return "v" in counters ? counters.v : 0;
  }

  async linkByCode(code: string): Promise<Link | null> {
    const ref = await this.doc<{ workspaceId: string; linkId: string }>(keys.global.linkCode(code));
    return ref ? this.getLink(ref.workspaceId, ref.linkId) : null;
  }

  /** Applies `changes` to the link as it is at commit time; its code and owners never change. */
  async updateLink(workspaceId: string, id: string, changes: Pick<Partial<Link>, "path" | "status">): Promise<Link | null> {
    return transact(this.backend, async (u) => {
      const current = await u.read<Link>(keys.link(workspaceId, id));
      if (!current) return null;
      const next = { ...current, ...changes };
      u.write(keys.link(workspaceId, id), next);
      return next;
    });
  }

  async deleteLink(link: Link): Promise<void> {
    // Out of the workspace first; a crash before the code is released leaves a code pointing at
    // nothing, which linkByCode answers as absent.
    await transact(this.backend, (u) => {
      u.remove(keys.link(link.workspaceId, link.id));
      u.unindex(keys.links(link.workspaceId), link.id);
      u.unindex(keys.linksOfAffiliate(link.workspaceId, link.affiliateId), link.id);
    });
    await this.releaseClaim(keys.global.linkCode(link.code), (ref) => ref.linkId === link.id);
  }

  listLinks(workspaceId: string, q: ListQuery & { affiliateId?: string; programId?: string }): Promise<Page<Link>> {
    const index = q.affiliateId ? keys.linksOfAffiliate(workspaceId, q.affiliateId) : keys.links(workspaceId);
    return this.list(index, (id) => keys.link(workspaceId, id), q, (l: Link) => !q.programId || l.programId === q.programId);
  }

  // ---- clicks and leads --------------------------------------------------------------------

  /**
   * Records a click, or answers the click this visitor made for the same affiliate within
   * `repeatWindowMs` (unique clicks are what merchants count). Atomic: two simultaneous requests
   * of one visitor make one click. With a `rate`, the visitor's address is counted in the same
   * step and a click past its limit records nothing (answered null).
   *
   * It is the hottest write there is (a viral link), so it is one guarded commit, one round trip
   * to Redis and one group commit on SQLite: the repeat-visitor key must be absent, the rate is
   * counted first, and nothing is read beforehand.
   */
  recordClick(click: Click, fingerprint: string, repeatWindowMs: number): Promise<RecordedClick>;
  recordClick(click: Click, fingerprint: string, repeatWindowMs: number, rate: ClickRate): Promise<RecordedClick | null>;
  async recordClick(click: Click, fingerprint: string, repeatWindowMs: number, rate?: ClickRate): Promise<RecordedClick | null> {
    const w = click.workspaceId;
    const repeatKey = keys.clickRepeat(w, fingerprint);
    const writes = new Unit(this.backend);
    writeClick(writes, click, repeatKey, repeatWindowMs);
    const guard = { absent: repeatKey, ...(rate ? { rate: { key: keys.clickRate(w, rate.bucket), windowMs: rate.windowMs, limit: rate.limit } } : {}) };
    const answer = await this.backend.commitOnce(writes.toCommit(), guard);
    if (answer.outcome === "applied") return { click, repeated: false };
    if (answer.outcome === "limited") return null;
    if (answer.outcome === "exists") {
      const previous = JSON.parse(answer.doc.value) as { clickId: string };
      const existing = await this.getClick(w, previous.clickId);
      if (existing) return { click: existing, repeated: true };
    }
    // The repeat key names a click that is gone (deleted with its affiliate), or a commit without
    // checks conflicted (it cannot): decide again by reading, the rate already counted.
    return transact(this.backend, async (u) => {
      const previous = await u.read<{ clickId: string }>(repeatKey);
      const existing = previous ? await u.read<Click>(keys.click(w, previous.clickId)) : null;
      if (existing) return { click: existing, repeated: true };
      writeClick(u, click, repeatKey, repeatWindowMs);
      return { click, repeated: false };
    });
  }

  getClick(workspaceId: string, id: string): Promise<Click | null> {
    return this.doc<Click>(keys.click(workspaceId, id));
  }

  listClicks(workspaceId: string, q: ListQuery & { programId?: string; affiliateId?: string }): Promise<Page<Click>> {
    const index = q.affiliateId
      ? keys.clicksOfAffiliate(workspaceId, q.affiliateId)
      : q.programId
        ? keys.clicksOfProgram(workspaceId, q.programId)
        : keys.clicks(workspaceId);
    return this.list(index, (id) => keys.click(workspaceId, id), q, (c: Click) => !q.programId || c.programId === q.programId);
  }

  /**
   * Records that `previousClickId` was in this click's visitor's cookie when it arrived (same
   * browser). Written once: a later claim cannot rewrite a click's history. Answers the click.
   */
  async linkClick(workspaceId: string, clickId: string, previousClickId: string): Promise<Click | null> {
    return transact(this.backend, async (u) => {
      const key = keys.click(workspaceId, clickId);
      const click = await u.read<Click>(key);
      if (!click || click.previousClickId || clickId === previousClickId) return click;
      const linked: Click = { ...click, previousClickId };
      u.write(key, linked, Math.max(1, click.expiresAt - Date.now() + CLICK_RETENTION_MARGIN_MS));
      return linked;
    });
  }

  async putLead(lead: Lead, ttlMs: number): Promise<void> {
    await transact(this.backend, (u) => {
      u.write(keys.lead(lead.workspaceId, lead.email), lead, ttlMs);
    });
  }

  /**
   * Offers a lead for its email in one atomic read-decide-write: reads the email's lead, that
   * lead's click, the incoming click's chain of earlier clicks and the emails the click has led,
   * lets `decide` (domain/lead.ts) rule, and writes what it allows. Two racing leads are
   * serialised by the unit: the second decides on what the first wrote.
   */
  async offerLead<D extends { action: "write" | "keep" | "refuse" }>(
    lead: Lead,
    ttlMs: number,
    decide: (state: LeadStoreState) => D,
    maxChain: number,
  ): Promise<{ decision: D; lead: Lead | null }> {
    const w = lead.workspaceId;
    return transact(this.backend, async (u) => {
      const click = await u.read<Click>(keys.click(w, lead.clickId));
      if (!click) return { decision: decide({ click: null, existing: null, existingClick: null, chain: [], emailsOfClick: [] }), lead: null };
      const leadKey = keys.lead(w, lead.email);
      const existing = await u.read<Lead>(leadKey);
      const existingClick = existing ? await u.read<Click>(keys.click(w, existing.clickId)) : null;
      // The chain is only needed to judge a replacement of another click's lead.
      const chain: string[] = [];
      if (existing && existing.clickId !== click.id) {
        for (let at = click.previousClickId; at && chain.length < maxChain && !chain.includes(at) && at !== click.id; ) {
          chain.push(at);
          at = (await u.read<Click>(keys.click(w, at)))?.previousClickId;
        }
      }
      const countKey = keys.leadsOfClick(w, click.id);
      const emailsOfClick = (await u.read<{ emails: string[] }>(countKey))?.emails ?? [];
      const decision = decide({ click, existing, existingClick, chain, emailsOfClick });
      if (decision.action === "refuse") return { decision, lead: null };
      if ((lead.source ?? "browser") === "browser" && !emailsOfClick.includes(lead.email)) {
        // Every email a browser lead names counts, kept or not, so the cap says nothing about other leads.
        u.write(countKey, { emails: [...emailsOfClick, lead.email] }, ttlMs);
      }
      if (decision.action === "write") u.write(leadKey, lead, ttlMs);
      return { decision, lead: decision.action === "write" ? lead : existing };
    });
  }

  leadByEmail(workspaceId: string, email: string): Promise<Lead | null> {
    return this.doc<Lead>(keys.lead(workspaceId, email));
  }

  // ---- conversions -------------------------------------------------------------------------

  getConversion(workspaceId: string, id: string): Promise<Conversion | null> {
    return this.doc<Conversion>(keys.conversion(workspaceId, id));
  }

  listConversions(
    workspaceId: string,
    q: ListQuery & { programId?: string; affiliateId?: string; match?: (c: Conversion) => boolean },
  ): Promise<Page<Conversion>> {
    const index = q.affiliateId
      ? keys.conversionsOfAffiliate(workspaceId, q.affiliateId)
      : q.programId
        ? keys.conversionsOfProgram(workspaceId, q.programId)
        : keys.conversions(workspaceId);
    return this.list(index, (id) => keys.conversion(workspaceId, id), q, (c: Conversion) =>
      (!q.programId || c.programId === q.programId) && (!q.match || q.match(c)),
    );
  }

  // ---- payouts ------------------------------------------------------------------------------

  /**
   * Puts the conversions stored before the payable index existed (approved by an earlier version)
   * into it, once per workspace (an upgrade's migration), so no approved commission is left out of
   * the payouts. Adding an index entry twice is harmless, and a run re-reads every conversion it
   * takes, so this may race with anything. Later calls read one marker.
   */
  async indexOldPayables(workspaceId: string): Promise<number> {
    const marker = keys.payableComplete(workspaceId);
    if (await this.backend.get(marker)) return 0;
    const w = workspaceId;
    let after: { score: number; member: string } | undefined;
    let added = 0;
    for (;;) {
      const entries = await this.backend.range(keys.conversions(w), { after, limit: 500 });
      if (entries.length === 0) break;
      after = entries[entries.length - 1];
      const docs = await this.backend.getMany(entries.map((e) => keys.conversion(w, e.member)));
      const payable = docs.map((d) => (d ? (JSON.parse(d.value) as Conversion) : null)).filter((c): c is Conversion => c !== null && isPayable(c));
      if (payable.length === 0) continue;
      await this.backend.commit({ ...emptyCommit(), indexAdds: payable.map((c) => ({ key: keys.payable(w), member: c.id, score: c.createdAt })) });
      added += payable.length;
    }
    await transact(this.backend, (u) => {
      u.write(marker, { at: Date.now(), added });
    });
    return added;
  }

  /** Conversions a payout run can take from (approved and in no payout, or owing a claw-back), oldest first, at most `limit`. */
  async payableConversions(workspaceId: string, limit: number): Promise<Conversion[]> {
    const entries = await this.backend.range(keys.payable(workspaceId), { limit });
    const docs = await this.backend.getMany(entries.map((e) => keys.conversion(workspaceId, e.member)));
    return docs.filter((d): d is NonNullable<typeof d> => d !== null).map((d) => JSON.parse(d.value) as Conversion);
  }

  getPayout(workspaceId: string, id: string): Promise<Payout | null> {
    return this.doc<Payout>(keys.payout(workspaceId, id));
  }

  listPayouts(workspaceId: string, q: ListQuery & { affiliateId?: string; status?: Payout["status"]; match?: (p: Payout) => boolean }): Promise<Page<Payout>> {
    const index = q.affiliateId ? keys.payoutsOfAffiliate(workspaceId, q.affiliateId) : keys.payouts(workspaceId);
    return this.list(index, (id) => keys.payout(workspaceId, id), q, (p: Payout) => (!q.status || p.status === q.status) && (!q.match || q.match(p)));
  }

  /**
   * Makes pending conversions whose hold has ended approved, as stored (their status read at
   * `now` already says so; this moves their commission to approved in the report counters).
   * Reads only the approvals index up to `now`, so its cost is what came due since the last
   * call, not the size of the workspace. Answers how many it approved.
   */
  async approveDue(workspaceId: string, now: number, batch = 100, rounds = 50): Promise<number> {
    let approved = 0;
    for (let round = 0; round < rounds; round++) {
      const due = await this.backend.range(keys.approvals(workspaceId), { max: now, limit: batch });
      if (due.length === 0) break;
      approved += await transact(this.backend, async (u) => {
        const ledger = new Ledger(u, workspaceId);
        let n = 0;
        for (const { member } of due) {
          const c = await ledger.conversion(member);
          if (c?.status === "pending" && c.approvesAt <= now) {
            // It became approved when its hold ended, whenever the sweep noticed.
            ledger.saveConversion({ ...c, status: "approved" }, c, [], c.approvesAt);
            n++;
          } else if (c?.status !== "pending" || !c.affiliateId) {
            u.unindex(keys.approvals(workspaceId), member); // gone, or no longer waiting
          }
        }
        return n;
      });
      if (due.length < batch) break;
    }
    return approved;
  }

  /**
   * Gives the rows stored before the report counters existed their share in them, once per
   * workspace (an upgrade's migration): each uncounted row is counted in a unit of its own
   * that checks it is still uncounted, so a concurrent write of the same row, or another
   * instance doing the same, cannot count it twice. Later calls read one marker.
   */
  async countOldRows(workspaceId: string): Promise<{ clicks: number; conversions: number }> {
    const done = { clicks: 0, conversions: 0 };
    const marker = keys.statsComplete(workspaceId);
    if (await this.backend.get(marker)) return done;
    const w = workspaceId;
    const uncounted = async (index: string, docKey: (id: string) => string, each: (ids: string[]) => Promise<number>) => {
      let after: { score: number; member: string } | undefined;
      let n = 0;
      for (;;) {
        const entries = await this.backend.range(index, { after, limit: 200 });
        if (entries.length === 0) return n;
        after = entries[entries.length - 1];
        const docs = await this.backend.getMany(entries.map((e) => docKey(e.member)));
        const ids = entries.filter((_, i) => {
          const doc = docs[i];
          return doc !== null && !(JSON.parse(doc.value) as { counted?: true }).counted;
        });
        if (ids.length > 0) n += await each(ids.map((e) => e.member));
      }
    };
    done.conversions = await uncounted(keys.conversions(w), (id) => keys.conversion(w, id), (ids) =>
      transact(this.backend, async (u) => {
        const ledger = new Ledger(u, w);
        let n = 0;
        for (const id of ids) {
          const c = await ledger.conversion(id);
          if (!c || c.counted) continue;
          ledger.saveConversion(c, c, []);
          n++;
        }
        return n;
      }),
    );
    done.clicks = await uncounted(keys.clicks(w), (id) => keys.click(w, id), (ids) =>
      transact(this.backend, async (u) => {
        let n = 0;
        for (const id of ids) {
          const click = await u.read<Click>(keys.click(w, id));
          if (!click || click.counted) continue;
          u.write(keys.click(w, id), { ...click, counted: true } satisfies Click, Math.max(1, click.expiresAt - Date.now() + CLICK_RETENTION_MARGIN_MS));
          countTally(u, w, clickTally(click), 1);
          n++;
        }
        return n;
      }),
    );
    await transact(this.backend, (u) => {
      u.write(marker, { at: Date.now(), ...done });
    });
    return done;
  }

  /** Counter hashes (see reports/figures.ts) of a scope ("all", "p:ID", "a:ID") on each day. */
  readStats(workspaceId: string, scope: string, days: string[]): Promise<Record<string, number>[]> {
    return this.backend.counters(days.map((day) => keys.stats(workspaceId, scope, day)));
  }

  /** The per-affiliate counter hash of each day. */
  readAffiliateStats(workspaceId: string, days: string[]): Promise<Record<string, number>[]> {
    return this.backend.counters(days.map((day) => keys.statsByAffiliate(workspaceId, day)));
  }

  /** Grows whenever a click or conversion of the workspace is written. */
  async statsVersion(workspaceId: string): Promise<{ clicks: number; conversions: number }> {
    const [hash]: Partial<Record<string, number>>[] = await this.backend.counters([keys.statsVersion(workspaceId)]);
    return { clicks: hash.clicks ?? 0, conversions: hash.conversions ?? 0 };
  }

  /** Runs read-decide-write work atomically (retried on conflict). Used by webhook ingestion. */
  transact<T>(work: (unit: Unit) => T | Promise<T>): Promise<T> {
    return transact(this.backend, work);
  }

  /**
   * Records a Stripe event once, atomically with its effects: `work` runs inside the same unit,
   * and a second delivery of the id (even one racing this one) answers duplicate and changes
   * nothing. If `work` throws, nothing at all is written, so Stripe's retry starts clean.
   * `row`, when given, is the delivery's log row: it is written in the same commit as the event
   * (processed, or duplicate), so the log can never disagree with what was applied.
   * A commit that throws (the connection was lost mid-call) leaves its result unknown: that is
   * reported as CommitOutcomeUnknown, distinct from work that failed before committing.
   */
  async recordEventOnce<T>(
    workspaceId: string,
    eventId: string,
    work: (unit: Unit) => T | Promise<T>,
    row?: (result: { duplicate: true } | { duplicate: false; result: T }) => WebhookDelivery,
    options: RecordEventOptions = {},
  ): Promise<{ duplicate: true } | { duplicate: false; result: T }> {
    // transact runs work, then commits; the flag tells which of the two threw.
    // Set inside the callback, which TypeScript's flow analysis does not follow: hence `as boolean`.
    let workDone = false as boolean;
    try {
      return await transact(this.backend, async (u) => {
        workDone = false;
        const key = keys.event(workspaceId, eventId);
        // The event's record, its log row and what the work is about to read: one round trip.
        const logged = options.deliveryId ? [keys.delivery(workspaceId, options.deliveryId)] : [];
        await u.prefetch([key, ...logged, ...(options.readAhead ?? [])]);
        let answer: { duplicate: true } | { duplicate: false; result: T };
        if (await u.read(key)) {
          answer = { duplicate: true };
        } else {
          answer = { duplicate: false, result: await work(u) };
          u.write(key, { eventId, recordedAt: Date.now() });
        }
        if (row) await this.writeDelivery(u, row(answer));
        workDone = true;
        return answer;
      }, undefined, options.ahead);
    } catch (error) {
      if (workDone && !(error instanceof StoreConflictError)) throw new CommitOutcomeUnknown(error);
      throw error;
    }
  }

  /** The keys recordEventOnce reads first for an event and its log row: to read them ahead (connectionWith). */
  eventKeys(workspaceId: string, eventId: string, deliveryId: string): string[] {
    return [keys.event(workspaceId, eventId), keys.delivery(workspaceId, deliveryId)];
  }

  async eventRecorded(workspaceId: string, eventId: string): Promise<boolean> {
    return (await this.backend.get(keys.event(workspaceId, eventId))) !== null;
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  /** Logs a delivery; a row with its id already written is kept as it is (answers false). */
  async addDelivery(delivery: WebhookDelivery): Promise<boolean> {
    return transact(this.backend, (u) => this.writeDelivery(u, delivery));
  }

  /**
   * Logs a delivery coalesced with the others of the same row id (the caller derives it from the
   * log, account, reason and minute): the first is written with count `count`, each later call
   * only raises the count by its own, keeping the first message. The row expires ttlMs after its
   * last write.
   */
  async addCoalescedDelivery(delivery: WebhookDelivery, ttlMs: number, count = 1): Promise<void> {
    const w = delivery.workspaceId;
    await transact(this.backend, async (u) => {
      const key = w ? keys.delivery(w, delivery.id) : keys.global.delivery(delivery.id);
      const existing = await u.read<WebhookDelivery>(key);
      if (existing) {
        u.write(key, { ...existing, count: (existing.count ?? 1) + count }, ttlMs);
        return;
      }
      u.write(key, { ...delivery, count }, ttlMs);
      // Re-added even if an expired row left its entry behind: same member, same score.
      u.index(w ? keys.deliveries(w) : keys.global.deliveries(), delivery.id, delivery.receivedAt);
    });
  }

  listDeliveries(workspaceId: string, q: ListQuery & { outcome?: string; type?: string }): Promise<Page<WebhookDelivery>> {
    return this.list(keys.deliveries(workspaceId), (id) => keys.delivery(workspaceId, id), q, (d: WebhookDelivery) =>
      (!q.outcome || d.outcome === q.outcome) && (!q.type || d.type === q.type),
    );
  }

  /** Deliveries that could not be tied to a workspace (bad signature on the platform endpoint). */
  listPlatformDeliveries(q: ListQuery): Promise<Page<WebhookDelivery>> {
    return this.list(keys.global.deliveries(), (id) => keys.global.delivery(id), q);
  }

  // ---- Stripe connections ------------------------------------------------------------------

  async putConnection(connection: StripeConnection): Promise<void> {
    const { workspaceId: w, accountId, livemode } = connection;
    // The account's route is claimed first and the connection written last, so webhooks are never
    // routed to a workspace without its connection; a workspace whose connection is not connected
    // (or never got written) gives the account up.
    await this.publish(
      w,
      [
        {
          key: keys.global.account(accountId, livemode),
          value: { workspaceId: w },
          held: async (u, ref) =>
            ref.workspaceId !== w &&
            (await u.read<StripeConnection>(keys.connection(ref.workspaceId, accountId, livemode)))?.status === "connected",
          conflict: () => new StoreConflict("accountId", `Stripe account ${accountId} is connected to another Icodrip workspace.`),
        },
      ],
      (u) => {
        u.write(keys.connection(w, accountId, livemode), connection);
        u.index(keys.connections(w), `${accountId}:${livemode ? "live" : "test"}`, connection.connectedAt);
      },
    );
  }

  getConnection(workspaceId: string, accountId: string, livemode: boolean): Promise<StripeConnection | null> {
    return this.doc<StripeConnection>(keys.connection(workspaceId, accountId, livemode));
  }

  /**
   * The account's connection, as connectionByAccount finds it, read in one round trip with the
   * workspace's documents `ahead` names (an event's record and what its handler reads), which are
   * answered with their versions for recordEventOnce's `ahead`.
   * Which workspace holds the account is remembered in this process while its connection there
   * is connected: another workspace can claim the account only once that one is not (putConnection),
   * and a remembered workspace whose connection is no longer connected is looked up again.
   */
  async connectionWith(accountId: string, livemode: boolean, ahead: (workspaceId: string) => string[]): Promise<{ connection: StripeConnection | null; ahead: Map<string, Doc | null> }> {
    const route = `${accountId}:${livemode ? "live" : "test"}`;
    const remembered = this.accountRoutes.get(route);
    if (remembered) {
      const found = await this.readWithConnection(remembered, accountId, livemode, ahead(remembered));
      if (found.connection?.status === "connected") return found;
      this.accountRoutes.delete(route);
    }
    const ref = await this.doc<{ workspaceId: string }>(keys.global.account(accountId, livemode));
    if (!ref) return { connection: null, ahead: new Map() };
    const found = await this.readWithConnection(ref.workspaceId, accountId, livemode, ahead(ref.workspaceId));
    if (found.connection?.status === "connected") {
      if (this.accountRoutes.size >= 10_000) this.accountRoutes.clear();
      this.accountRoutes.set(route, ref.workspaceId);
    }
    return found;
  }

  private async readWithConnection(workspaceId: string, accountId: string, livemode: boolean, more: string[]) {
    const key = keys.connection(workspaceId, accountId, livemode);
    const wanted = [key, ...more.filter((k) => k !== key)];
    const docs = await this.backend.getMany(wanted);
    const ahead = new Map<string, Doc | null>(wanted.map((k, i) => [k, docs[i]]));
    const doc = docs[0];
    return { connection: doc ? (JSON.parse(doc.value) as StripeConnection) : null, ahead };
  }

  async connectionByAccount(accountId: string, livemode: boolean): Promise<StripeConnection | null> {
    const ref = await this.doc<{ workspaceId: string }>(keys.global.account(accountId, livemode));
    return ref ? this.getConnection(ref.workspaceId, accountId, livemode) : null;
  }

  async listConnections(workspaceId: string): Promise<StripeConnection[]> {
    const page = await this.list<StripeConnection>(
      keys.connections(workspaceId),
      (member) => {
        const [accountId, mode] = member.split(":");
        return keys.connection(workspaceId, accountId, mode === "live");
      },
      { limit: 100 },
    );
    return page.data;
  }

  async touchConnection(workspaceId: string, accountId: string, livemode: boolean, at: number): Promise<void> {
    await transact(this.backend, async (u) => {
      const key = keys.connection(workspaceId, accountId, livemode);
      const connection = await u.read<StripeConnection>(key);
      if (connection && (connection.lastEventAt ?? 0) < at) u.write(key, { ...connection, lastEventAt: at });
    });
  }

  /** The platform's endpoints of both modes, in one read (every platform delivery needs both secrets). */
  async platformEndpoints(): Promise<{ test: PlatformEndpoint | null; live: PlatformEndpoint | null }> {
    const [test, live] = await this.backend.getMany([keys.global.platformEndpoint(false), keys.global.platformEndpoint(true)]);
    return { test: test ? (JSON.parse(test.value) as PlatformEndpoint) : null, live: live ? (JSON.parse(live.value) as PlatformEndpoint) : null };
  }

  getPlatformEndpoint(livemode: boolean): Promise<PlatformEndpoint | null> {
    return this.doc<PlatformEndpoint>(keys.global.platformEndpoint(livemode));
  }

  async putPlatformEndpoint(livemode: boolean, endpoint: PlatformEndpoint | null): Promise<void> {
    await transact(this.backend, (u) => {
      if (endpoint) u.write(keys.global.platformEndpoint(livemode), endpoint);
      else u.remove(keys.global.platformEndpoint(livemode));
    });
  }

  // ---- OAuth state and rate limits ---------------------------------------------------------

  async putOAuthState(state: string, value: OAuthState, ttlMs: number): Promise<void> {
    await this.claim(keys.global.oauthState(state), value, undefined, ttlMs);
  }

  /** Answers the state once; a second call (a replayed callback) answers null. */
  async takeOAuthState(state: string): Promise<OAuthState | null> {
    return transact(this.backend, async (u) => {
      const key = keys.global.oauthState(state);
      const value = await u.read<OAuthState>(key);
      if (value) u.remove(key);
      return value;
    });
  }

  /** Counts a hit in a workspace's bucket (an address's clicks and leads, see ClickRate). */
  hitInWorkspace(workspaceId: string, bucket: string, windowMs: number): Promise<number> {
    return this.backend.hit(keys.clickRate(workspaceId, bucket), windowMs);
  }

  /** Counts a hit in a fixed window, answers the count so far. */
  hit(bucket: string, windowMs: number): Promise<number> {
    return this.backend.hit(keys.global.rate(bucket), windowMs);
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** Writes a delivery row in `u` unless one with its id exists; answers whether it wrote. */
  private async writeDelivery(u: Unit, delivery: WebhookDelivery): Promise<boolean> {
    const w = delivery.workspaceId;
    const key = w ? keys.delivery(w, delivery.id) : keys.global.delivery(delivery.id);
    if (await u.read(key)) return false;
    u.write(key, delivery);
    u.index(w ? keys.deliveries(w) : keys.global.deliveries(), delivery.id, delivery.receivedAt);
    return true;
  }

  private async doc<T>(key: string): Promise<T | null> {
    const doc = await this.backend.get(key);
    return doc ? (JSON.parse(doc.value) as T) : null;
  }

  /**
   * A compound write whose keys cannot share one commit: global lookups live in other Redis
   * Cluster slots than the workspace's documents. Publish-last:
   *   1. a pending marker is written in the workspace;
   *   2. each global key is claimed, pointing at the workspace and the marker. A key already held
   *      (its owner's documents exist) answers the claim's conflict; a key whose owner never
   *      published (a crash, or a write still under way) is taken over, and the owner's marker is
   *      removed so that it can no longer publish;
   *   3. the documents are written and the marker removed in one commit that checks the marker,
   *      so exactly one of "published" and "taken over" happens.
   * Until step 3 every lookup through the claimed keys finds no document, i.e. answers absent; a
   * crash at any point leaves nothing visible, and a retry takes the dangling claims over.
   */
  private async publish(workspaceId: string, claims: GlobalClaim[], write: (u: Unit) => void | Promise<void>): Promise<void> {
    for (let attempt = 1; attempt <= PUBLISH_ATTEMPTS; attempt++) {
      const pending = randomBytes(12).toString("base64url");
      const marker = keys.pending(workspaceId, pending);
      const claimed: GlobalClaim[] = [];
      let published: boolean;
      try {
        await this.commitOne(marker, { claims: claims.map((c) => c.key), at: Date.now() });
        for (const claim of claims) {
          await this.takeClaim(claim, pending);
          claimed.push(claim);
        }
        published = await transact(this.backend, async (u) => {
          if (!(await u.read(marker))) return false;
          await write(u);
          u.remove(marker);
          return true;
        });
      } catch (error) {
        await this.abandon(workspaceId, pending, claimed).catch(() => {});
        throw error;
      }
      if (published) return;
      // Another write took a claim over before this one published: start again, and meet it.
      await this.abandon(workspaceId, pending, claimed).catch(() => {});
    }
    throw new StoreConflictError(PUBLISH_ATTEMPTS);
  }

  private async takeClaim(claim: GlobalClaim, pending: string): Promise<void> {
    for (;;) {
      const doc = await this.backend.get(claim.key);
      if (doc) {
        const ref = JSON.parse(doc.value) as ClaimRef;
        const held = await transact(this.backend, async (u) => {
          // The marker is read before the documents: an owner publishes by removing its marker, so
          // "no marker, then no documents" can only mean it never will (when the marker is there,
          // removing it makes the commit check that nothing was published meanwhile).
          const theirs = ref.pending ? keys.pending(ref.workspaceId, ref.pending) : null;
          const unpublished = theirs !== null && (await u.read(theirs)) !== null;
          if (await claim.held(u, ref)) return true;
          if (theirs && unpublished) u.remove(theirs);
          return false;
        });
        if (held) throw claim.conflict();
      }
      const value = JSON.stringify({ ...claim.value, pending });
      const ok = await this.backend.commit({
        checks: [{ key: claim.key, version: doc?.version ?? null }],
        puts: [{ key: claim.key, value }],
        deletes: [],
        indexAdds: [],
        indexRemoves: [],
      });
      if (ok) return;
    }
  }

  /** Undoes an unpublished write: its marker, and the claims that still point at it. */
  private async abandon(workspaceId: string, pending: string, claimed: GlobalClaim[]): Promise<void> {
    await this.backend.commit({ checks: [], puts: [], deletes: [keys.pending(workspaceId, pending)], indexAdds: [], indexRemoves: [] });
    for (const claim of claimed) await this.releaseClaim(claim.key, (ref) => ref.pending === pending);
  }

  /** Deletes a global key only while it still points where `mine` says (never someone else's). */
  private async releaseClaim(key: string, mine: (ref: ClaimRef) => boolean): Promise<void> {
    const doc = await this.backend.get(key);
    if (!doc || !mine(JSON.parse(doc.value) as ClaimRef)) return;
    await this.backend.commit({ checks: [{ key, version: doc.version }], puts: [], deletes: [key], indexAdds: [], indexRemoves: [] });
  }

  /** Writes one key that must not exist yet. */
  private async commitOne(key: string, value: unknown): Promise<void> {
    const ok = await this.backend.commit({
      checks: [{ key, version: null }],
      puts: [{ key, value: JSON.stringify(value) }],
      deletes: [],
      indexAdds: [],
      indexRemoves: [],
    });
    if (!ok) throw new StoreConflict("id", "That identifier is taken; try again.");
  }

  /** Writes a key that must not exist yet (a uniqueness claim). */
  private async claim(key: string, value: unknown, conflict?: () => Error, ttlMs?: number): Promise<void> {
    const ok = await this.backend.commit({
      checks: [{ key, version: null }],
      puts: [{ key, value: JSON.stringify(value), ttlMs }],
      deletes: [],
      indexAdds: [],
      indexRemoves: [],
    });
    if (!ok) throw conflict ? conflict() : new StoreConflict("id", "That identifier is taken; try again.");
  }

  private async list<T>(
    indexKey: string,
    docKey: (member: string) => string,
    q: ListQuery,
    keep: (item: T) => boolean = () => true,
  ): Promise<Page<T>> {
    const data: T[] = [];
    let after = q.cursor ? decodeCursor(q.cursor) : undefined;
    let exhausted = false;
    const gone: string[] = [];
    // Filters that no index serves are applied while paging; a bounded scan then hands back a cursor.
    for (let round = 0; round < 20 && data.length < q.limit && !exhausted; round++) {
      const batchSize = Math.max(q.limit * 2, 50);
      const entries = await this.backend.range(indexKey, { min: q.from, max: q.to, reverse: true, after, limit: batchSize });
      const docs = await this.backend.getMany(entries.map((e) => docKey(e.member)));
      let consumed = 0;
      for (; consumed < entries.length && data.length < q.limit; consumed++) {
        after = entries[consumed];
        const doc = docs[consumed];
        if (!doc) {
          gone.push(entries[consumed].member); // expired (clicks) or deleted
          continue;
        }
        const item = JSON.parse(doc.value) as T;
        if (keep(item)) data.push(item);
      }
      exhausted = entries.length < batchSize && consumed === entries.length;
    }
    // Index entries outlive the clicks that expire under them; drop the ones this read stepped over.
    if (gone.length > 0) {
      await this.backend.commit({ checks: [], puts: [], deletes: [], indexAdds: [], indexRemoves: gone.map((member) => ({ key: indexKey, member })) });
    }
    return { data, nextCursor: exhausted || !after ? null : encodeCursor(after) };
  }
}

/** A new click's writes: the click, its indexes, the repeat-visitor key and the report counters. */
function writeClick(u: Unit, click: Click, repeatKey: string, repeatWindowMs: number): void {
  const w = click.workspaceId;
  u.write(repeatKey, { clickId: click.id }, repeatWindowMs);
  // At least 1 ms: a zero or negative time to live would mean "keep forever" to Redis.
  u.write(keys.click(w, click.id), { ...click, counted: true } satisfies Click, Math.max(1, click.expiresAt - Date.now() + CLICK_RETENTION_MARGIN_MS));
  u.index(keys.clicks(w), click.id, click.createdAt);
  u.index(keys.clicksOfProgram(w, click.programId), click.id, click.createdAt);
  u.index(keys.clicksOfAffiliate(w, click.affiliateId), click.id, click.createdAt);
  countTally(u, w, clickTally(click), 1);
  bumpVersion(u, w, "clicks");
}
