import type {
  Affiliate,
  ApiKey,
  Click,
  Conversion,
  Lead,
  Link,
  Member,
  Page,
  Program,
  StripeConnection,
  WebhookDelivery,
  Workspace,
} from "../domain/types.js";
import type { Backend } from "./backend.js";
import { keys } from "./keys.js";
import { transact, type Unit } from "./unit.js";
import { decodeCursor, encodeCursor } from "./cursor.js";

/** A uniqueness rule was broken; `field` names what is taken. */
export class StoreConflict extends Error {
  readonly code = "conflict";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
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

export interface PlatformEndpoint {
  id: string;
  url: string;
  enabledEvents: string[];
  sealedSecret: string;
  createdAt: number;
}

const CLICK_RETENTION_MARGIN_MS = 7 * 24 * 3600 * 1000;

/**
 * The store the server talks to: shaped by the domain, atomic where money is involved.
 * It runs on either backend (Redis or embedded SQLite) with identical behaviour; the contract
 * suite in test/store proves it.
 */
export class Store {
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
    await this.claim(keys.global.memberEmail(email), { workspaceId: workspace.id, memberId: member.id }, () =>
      new StoreConflict("email", `An account with ${email} exists already; sign in instead.`),
    );
    await this.claim(keys.global.apiKey(apiKey.hash), { workspaceId: workspace.id, apiKeyId: apiKey.id });
    await transact(this.backend, async (u) => {
      u.write(keys.workspace(workspace.id), workspace);
      u.write(keys.member(workspace.id, member.id), member);
      u.write(keys.apiKey(workspace.id, apiKey.id), apiKey);
    });
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
    await transact(this.backend, async (u) => {
      u.write(keys.session(session.workspaceId, session.id), session, Math.max(1, session.expiresAt - session.createdAt));
    });
  }

  getSession(workspaceId: string, id: string): Promise<Session | null> {
    return this.doc<Session>(keys.session(workspaceId, id));
  }

  async deleteSession(workspaceId: string, id: string): Promise<void> {
    await transact(this.backend, async (u) => {
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
      await transact(this.backend, async (u) => {
        u.remove(keys.apiKey(apiKey.workspaceId, apiKey.id));
        u.unindex(keys.apiKeys(apiKey.workspaceId), apiKey.id);
      });
      throw error;
    }
  }

  /** Writes the key's record and lists it (createWorkspace writes the first key's record but does not list it). */
  async indexApiKey(apiKey: ApiKey): Promise<void> {
    await transact(this.backend, async (u) => {
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
    await transact(this.backend, async (u) => {
      u.remove(keys.apiKey(workspaceId, id));
      u.unindex(keys.apiKeys(workspaceId), id);
    });
    return true;
  }

  // ---- programs ----------------------------------------------------------------------------

  async createProgram(program: Program): Promise<void> {
    await this.claim(keys.global.programKey(program.key), { workspaceId: program.workspaceId, programId: program.id });
    await transact(this.backend, async (u) => {
      u.write(keys.program(program.workspaceId, program.id), program);
      u.index(keys.programs(program.workspaceId), program.id, program.createdAt);
    });
  }

  getProgram(workspaceId: string, id: string): Promise<Program | null> {
    return this.doc<Program>(keys.program(workspaceId, id));
  }

  async programByKey(key: string): Promise<Program | null> {
    const ref = await this.doc<{ workspaceId: string; programId: string }>(keys.global.programKey(key));
    return ref ? this.getProgram(ref.workspaceId, ref.programId) : null;
  }

  async updateProgram(program: Program): Promise<void> {
    await transact(this.backend, async (u) => {
      u.write(keys.program(program.workspaceId, program.id), program);
    });
  }

  async deleteProgram(workspaceId: string, id: string): Promise<void> {
    const program = await this.getProgram(workspaceId, id);
    if (!program) return;
    const hasAffiliates = await this.backend.range(keys.affiliatesOfProgram(workspaceId, id), { limit: 1 });
    if (hasAffiliates.length > 0) {
      throw new StoreConflict("programId", "This program still has affiliates; delete or move them first.");
    }
    await transact(this.backend, async (u) => {
      u.remove(keys.program(workspaceId, id));
      u.unindex(keys.programs(workspaceId), id);
    });
    await this.backend.commit({
      checks: [],
      puts: [],
      deletes: [keys.global.programKey(program.key)],
      indexAdds: [],
      indexRemoves: [],
    });
  }

  listPrograms(workspaceId: string, q: ListQuery): Promise<Page<Program>> {
    return this.list(keys.programs(workspaceId), (id) => keys.program(workspaceId, id), q);
  }

  // ---- affiliates --------------------------------------------------------------------------

  async createAffiliate(affiliate: Affiliate): Promise<void> {
    const w = affiliate.workspaceId;
    await transact(this.backend, async (u) => {
      const codeKey = keys.affiliateCode(w, affiliate.programId, affiliate.code);
      if (await u.read(codeKey)) {
        throw new StoreConflict("code", `The code "${affiliate.code}" is taken in this program; choose another.`);
      }
      u.write(codeKey, { affiliateId: affiliate.id });
      u.write(keys.affiliate(w, affiliate.id), affiliate);
      u.index(keys.affiliates(w), affiliate.id, affiliate.createdAt);
      u.index(keys.affiliatesOfProgram(w, affiliate.programId), affiliate.id, affiliate.createdAt);
    });
  }

  async updateAffiliate(before: Affiliate, after: Affiliate): Promise<void> {
    const w = after.workspaceId;
    await transact(this.backend, async (u) => {
      if (before.code.toLowerCase() !== after.code.toLowerCase()) {
        const codeKey = keys.affiliateCode(w, after.programId, after.code);
        if (await u.read(codeKey)) {
          throw new StoreConflict("code", `The code "${after.code}" is taken in this program; choose another.`);
        }
        u.write(codeKey, { affiliateId: after.id });
        u.remove(keys.affiliateCode(w, before.programId, before.code));
      }
      u.write(keys.affiliate(w, after.id), after);
    });
  }

  async deleteAffiliate(affiliate: Affiliate): Promise<void> {
    const w = affiliate.workspaceId;
    const links = await this.backend.range(keys.linksOfAffiliate(w, affiliate.id), { limit: 1 });
    if (links.length > 0) throw new StoreConflict("affiliateId", "This affiliate still has links; delete them first.");
    await transact(this.backend, async (u) => {
      u.remove(keys.affiliate(w, affiliate.id));
      u.remove(keys.affiliateCode(w, affiliate.programId, affiliate.code));
      u.unindex(keys.affiliates(w), affiliate.id);
      u.unindex(keys.affiliatesOfProgram(w, affiliate.programId), affiliate.id);
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

  // ---- links -------------------------------------------------------------------------------

  async createLink(link: Link): Promise<void> {
    await this.claim(keys.global.linkCode(link.code), { workspaceId: link.workspaceId, linkId: link.id }, () =>
      new StoreConflict("code", `The link code "${link.code}" is taken.`),
    );
    await transact(this.backend, async (u) => {
      u.write(keys.link(link.workspaceId, link.id), link);
      u.index(keys.links(link.workspaceId), link.id, link.createdAt);
      u.index(keys.linksOfAffiliate(link.workspaceId, link.affiliateId), link.id, link.createdAt);
    });
  }

  getLink(workspaceId: string, id: string): Promise<Link | null> {
    return this.doc<Link>(keys.link(workspaceId, id));
  }

  async linkByCode(code: string): Promise<Link | null> {
    const ref = await this.doc<{ workspaceId: string; linkId: string }>(keys.global.linkCode(code));
    return ref ? this.getLink(ref.workspaceId, ref.linkId) : null;
  }

  async updateLink(link: Link): Promise<void> {
    await transact(this.backend, async (u) => {
      u.write(keys.link(link.workspaceId, link.id), link);
    });
  }

  async deleteLink(link: Link): Promise<void> {
    await transact(this.backend, async (u) => {
      u.remove(keys.link(link.workspaceId, link.id));
      u.unindex(keys.links(link.workspaceId), link.id);
      u.unindex(keys.linksOfAffiliate(link.workspaceId, link.affiliateId), link.id);
    });
    await this.backend.commit({ checks: [], puts: [], deletes: [keys.global.linkCode(link.code)], indexAdds: [], indexRemoves: [] });
  }

  listLinks(workspaceId: string, q: ListQuery & { affiliateId?: string; programId?: string }): Promise<Page<Link>> {
    const index = q.affiliateId ? keys.linksOfAffiliate(workspaceId, q.affiliateId) : keys.links(workspaceId);
    return this.list(index, (id) => keys.link(workspaceId, id), q, (l: Link) => !q.programId || l.programId === q.programId);
  }

  // ---- clicks and leads --------------------------------------------------------------------

  /**
   * Records a click, or answers the click this visitor made for the same affiliate within
   * `repeatWindowMs` (unique clicks are what merchants count). Atomic: two simultaneous requests
   * of one visitor make one click.
   */
  async recordClick(click: Click, fingerprint: string, repeatWindowMs: number): Promise<{ click: Click; repeated: boolean }> {
    const w = click.workspaceId;
    return transact(this.backend, async (u) => {
      const repeatKey = keys.clickRepeat(w, fingerprint);
      const previous = await u.read<{ clickId: string }>(repeatKey);
      if (previous) {
        const existing = await u.read<Click>(keys.click(w, previous.clickId));
        if (existing) return { click: existing, repeated: true };
      }
      u.write(repeatKey, { clickId: click.id }, repeatWindowMs);
      // At least 1 ms: a zero or negative time to live would mean "keep forever" to Redis.
      u.write(keys.click(w, click.id), click, Math.max(1, click.expiresAt - Date.now() + CLICK_RETENTION_MARGIN_MS));
      u.index(keys.clicks(w), click.id, click.createdAt);
      u.index(keys.clicksOfProgram(w, click.programId), click.id, click.createdAt);
      u.index(keys.clicksOfAffiliate(w, click.affiliateId), click.id, click.createdAt);
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

  async putLead(lead: Lead, ttlMs: number): Promise<void> {
    await transact(this.backend, async (u) => {
      u.write(keys.lead(lead.workspaceId, lead.email), lead, ttlMs);
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

  /** Runs read-decide-write work atomically (retried on conflict). Used by webhook ingestion. */
  transact<T>(work: (unit: Unit) => Promise<T>): Promise<T> {
    return transact(this.backend, work);
  }

  /**
   * Records a Stripe event once, atomically with its effects: `work` runs inside the same unit,
   * and a second delivery of the id (even one racing this one) answers duplicate and changes
   * nothing. If `work` throws, nothing at all is written, so Stripe's retry starts clean.
   */
  async recordEventOnce<T>(
    workspaceId: string,
    eventId: string,
    work: (unit: Unit) => Promise<T>,
  ): Promise<{ duplicate: true } | { duplicate: false; result: T }> {
    return transact(this.backend, async (u) => {
      const key = keys.event(workspaceId, eventId);
      if (await u.read(key)) return { duplicate: true } as const;
      const result = await work(u);
      u.write(key, { eventId, recordedAt: Date.now() });
      return { duplicate: false, result } as const;
    });
  }

  async eventRecorded(workspaceId: string, eventId: string): Promise<boolean> {
    return (await this.backend.get(keys.event(workspaceId, eventId))) !== null;
  }

  // ---- webhook deliveries ------------------------------------------------------------------

  async addDelivery(delivery: WebhookDelivery): Promise<void> {
    const w = delivery.workspaceId;
    await transact(this.backend, async (u) => {
      const key = w ? keys.delivery(w, delivery.id) : keys.global.delivery(delivery.id);
      u.write(key, delivery);
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
    const accountKey = keys.global.account(accountId, livemode);
    const owner = await this.doc<{ workspaceId: string }>(accountKey);
    if (owner && owner.workspaceId !== w) {
      const other = await this.getConnection(owner.workspaceId, accountId, livemode);
      if (other && other.status === "connected") {
        throw new StoreConflict("accountId", `Stripe account ${accountId} is connected to another Icodrip workspace.`);
      }
    }
    await transact(this.backend, async (u) => {
      u.write(keys.connection(w, accountId, livemode), connection);
      u.index(keys.connections(w), `${accountId}:${livemode ? "live" : "test"}`, connection.connectedAt);
    });
    await transact(this.backend, async (u) => {
      u.write(accountKey, { workspaceId: w });
    });
  }

  getConnection(workspaceId: string, accountId: string, livemode: boolean): Promise<StripeConnection | null> {
    return this.doc<StripeConnection>(keys.connection(workspaceId, accountId, livemode));
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

  getPlatformEndpoint(livemode: boolean): Promise<PlatformEndpoint | null> {
    return this.doc<PlatformEndpoint>(keys.global.platformEndpoint(livemode));
  }

  async putPlatformEndpoint(livemode: boolean, endpoint: PlatformEndpoint | null): Promise<void> {
    await transact(this.backend, async (u) => {
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

  /** Counts a hit in a fixed window, answers the count so far. */
  hit(bucket: string, windowMs: number): Promise<number> {
    return this.backend.hit(keys.global.rate(bucket), windowMs);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private async doc<T>(key: string): Promise<T | null> {
    const doc = await this.backend.get(key);
    return doc ? (JSON.parse(doc.value) as T) : null;
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
