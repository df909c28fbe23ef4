/**
 * The send guard kept in Twilio Sync, so that it holds across restarts and for every bridge on
 * the service (LibreChat's per-user processes, LibreChat and Claude Desktop side by side, several
 * HTTP instances). Per send, with the names of lib/sync-names.ts:
 * - the duplicate claim: an atomic create of the message's item in the owner's `sent_<owner>`
 *   Map (the webhook's kind of claim: of two bridges sending the same message at once, one
 *   creates, the other finds it), expiring with the duplicate window; it later records the SID
 *   and status;
 * - the caps: every owner's ledger is an item of one Map (`guard_ledgers`); a send reads that Map
 *   (one page per 100 owners), checks its owner's caps on its own item and the account's on
 *   the sum of all, and counts itself with one conditional (If-Match) write of its own item. So
 *   concurrent sends of different users never conflict; an owner's own caps are exact. The
 *   account's are checked on the read, which does not show the sends racing it; so once the read
 *   shows the account within ACCOUNT_VERIFY_MARGIN of a cap, the send reads the ledgers again
 *   after its count landed and is refused (its count taken back) if the window then holds more
 *   than the cap. Of several sends counted at once, the last to land sees all the others, so the
 *   cap holds exactly there (racing sends may all be refused: never more than the cap, sometimes
 *   fewer). Below that margin the send stays one round trip; the cap is then passed only if more
 *   than the margin's worth of sends race within one round trip, and by at most those beyond it.
 * Cost before the message is created: one round trip. The claim, the ledgers' read and the count
 * go together: the count is written against the revision this process last wrote (its caps
 * checked on that ledger, exact when the If-Match holds), and the account's caps are checked on
 * the read; a refusal takes the count back. Only when another bridge of the owner wrote in
 * between, or on the process's first send, does the count follow the read (one round trip more).
 * After the create: 1 write, 1 more when the final status differs. Any Sync failure refuses the
 * send: the guard never lets a message through unchecked.
 */
import { nodeCrypto } from '../crypto';
import * as z from 'zod';
import { isDuplicateKey, isRevisionConflict, type MapItem, type SyncGateway } from '../store/sync-gateway';
import { describeFailure, isNotFound } from '../twilio-errors';
import { GUARD_LEDGERS_MAP, sentMapName, shortHash } from '../sync-names';
import { decodeLedger, encodeLedger, recipientKey, type StoredLedger } from './ledger-codec';
import { type CapLedger, type CapLimits, capRefusal, EMPTY_LEDGER, forgetSend, keepingFor, mergeLedgers, recordSend } from './send-caps';
import { capLimits, firstCapRefusal, type GuardLimits, messageKey, type Reservation, type SendGuard } from './send-guard';

const ClaimSchema = z.object({
  state: z.enum(['sending', 'sent']),
  sid: z.string().nullable(),
  status: z.string(),
  at: z.number(),
  owner: z.string(),
});
type Claim = z.infer<typeof ClaimSchema>;


/**
 * How close to an account cap (in sends) a send verifies its count with a second read: half the
 * cap, at most 50. The account's caps are exact unless more sends than this race within one Sync
 * round trip while the account is further than this below its cap (test/unit/send/sync-send-guard.test.ts).
 */
export function accountVerifyMargin(limit: number): number {
  return Math.min(50, Math.ceil(limit / 2));
}

/** A ledger remembers a day (plus its oldest hour bucket); an idle one expires after that. */
const LEDGER_TTL_SECONDS = 25 * 3600;
const MAX_CONFLICTS = 20;

function ledgerOf(item: MapItem | null): CapLedger {
  return decodeLedger(item?.data) ?? EMPTY_LEDGER;
}

/** A ledger as it will be stored (ledger-codec.ts: bounded by construction), and as it then reads. */
function storable(ledger: CapLedger): { data: StoredLedger; ledger: CapLedger } {
  const data = encodeLedger(ledger);
  return { data, ledger: decodeLedger(data) ?? EMPTY_LEDGER };
}

function isActive(limits: CapLimits): boolean {
  return limits.perMinute > 0 || limits.perRecipientPerMinute > 0 || limits.perHour > 0 || limits.perDay > 0;
}

function unavailable(error: unknown): Reservation {
  return { kind: 'unavailable', reason: `The send guard's state in Twilio Sync could not be checked: ${describeFailure(error).replace(/\.?$/, '.')}` };
}

/** A send counted in its owner's ledger: when, and to whom (the recipient key). */
interface Counted {
  at: number;
  to: string;
}

interface Ticket {
  at: number;
  map: string;
  key: string;
  claim: Claim | null;
  counted: Counted | null;
}

/** How long a ticket is kept at least: longer than any call lives (a send reports on its ticket until it returns). */
const TICKET_KEEP_MS = 15 * 60_000;

/** The owner's ledger item as this process last wrote it. */
interface OwnLedger {
  revision: string;
  ledger: CapLedger;
}

export interface SyncSendGuardOptions {
  /** The Sync gateway, created on first use (loading twilio-node is not on the start path). */
  sync: () => Promise<SyncGateway>;
  /** Whose caps and duplicates these are: a reader key (one SMS_USER), or "shared". */
  owner: string;
  limits: GuardLimits;
  now?: () => number;
  /** A write after the create that did not get through: the claim then stays "sending", which is safe. */
  warn: (message: string) => void;
}

export class SyncSendGuard implements SendGuard {
  private readonly tickets = new Map<string, Ticket>();
  private readonly limits: { own: CapLimits; account: CapLimits };
  private readonly keep: CapLimits;
  private readonly now: () => number;
  /** A hint, never trusted: a count against it is an If-Match write, which fails when it is stale. */
  private own: OwnLedger | null = null;

  constructor(private readonly options: SyncSendGuardOptions) {
    this.limits = capLimits(options.limits);
    this.keep = keepingFor(this.limits.own, this.limits.account);
    this.now = options.now ?? Date.now;
  }

  async reserve(to: string, body: string, media: readonly string[] = []): Promise<Reservation> {
    let sync: SyncGateway;
    try {
      sync = await this.options.sync();
    } catch (error) {
      return unavailable(error);
    }
    const now = this.now();
    const keepMs = Math.max(TICKET_KEEP_MS, this.options.limits.duplicateWindowMs);
    for (const [old, held] of this.tickets) if (now - held.at >= keepMs) this.tickets.delete(old);
    const ticket = nodeCrypto().randomUUID();
    const map = sentMapName(this.options.owner);
    const key = `m_${shortHash(messageKey(to, body, media))}`;
    const claim: Claim | null = this.options.limits.duplicateWindowMs > 0 ? { state: 'sending', sid: null, status: 'sending', at: now, owner: ticket } : null;
    const capped = isActive(this.limits.own) || isActive(this.limits.account);
    const recipient = recipientKey(to);
    let claimed = false;
    let counted: Counted | null = null;
    const claiming = claim ? this.claim(sync, map, key, claim).then((found) => ((claimed = found === null), found)) : null;
    const counting = capped ? this.countOnOwnLast(sync, now, recipient).then((on) => ((counted = on ? { at: now, to: recipient } : null), on)) : null;
    try {
      const [prior, ledgers, countedOn] = await Promise.all([claiming, capped ? this.readLedgers(sync) : null, counting]);
      let refused: Reservation | null = prior;
      if (!refused && ledgers) {
        if (countedOn) refused = this.refusal(countedOn, ledgers, now, recipient);
        else {
          refused = await this.count(sync, ledgers, now, recipient);
          if (!refused) counted = { at: now, to: recipient };
        }
      }
      if (!refused && ledgers && counted && this.nearAccountCap(countedOn ?? null, ledgers, now, recipient)) refused = await this.verifyAccount(sync, now, recipient);
      if (refused) {
        await this.undo(sync, { at: now, map, key, claim: claimed ? claim : null, counted });
        return refused;
      }
    } catch (error) {
      // What the other calls of the wave did, once they have settled, is undone too.
      await Promise.allSettled([claiming, counting]);
      await this.undo(sync, { at: now, map, key, claim: claimed ? claim : null, counted });
      return unavailable(error);
    }
    this.tickets.set(ticket, { at: now, map, key, claim, counted });
    return { kind: 'go', ticket };
  }

  /** null: this send holds the claim now; else what the earlier claim says. */
  private async claim(sync: SyncGateway, map: string, key: string, claim: Claim): Promise<Reservation | null> {
    const windowMs = this.options.limits.duplicateWindowMs;
    const ttlSeconds = Math.ceil(windowMs / 1000);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      try {
        await sync.mapCreate(map, key, claim, { ttlSeconds });
        return null;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      const found = await sync.mapGet(map, key);
      if (!found) continue;
      const prior = ClaimSchema.safeParse(found.data);
      if (prior.success && claim.at - prior.data.at < windowMs) {
        // Our own create, retried after its answer was lost.
        if (prior.data.owner === claim.owner) return null;
        if (prior.data.state === 'sending') return { kind: 'in-flight' };
        return { kind: 'duplicate', prior: { sid: prior.data.sid, status: prior.data.status, at: prior.data.at } };
      }
      // Past its window but not yet removed (Sync deletes expired items some time later).
      try {
        await sync.mapUpdate(map, key, claim, found.revision, { ttlSeconds });
        return null;
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
    }
    throw new Error('Too many bridges are sending this message at once.');
  }

  /** Every owner's ledger item, by owner (one page per 100 owners). */
  private async readLedgers(sync: SyncGateway): Promise<Map<string, MapItem>> {
    return new Map((await sync.mapItems(GUARD_LEDGERS_MAP)).map((item) => [item.key, item]));
  }

  /** The first cap this send passes, given the owner's ledger before it and every owner's as read. */
  private refusal(own: CapLedger, ledgers: Map<string, MapItem>, now: number, to: string): Reservation | null {
    const others = [...ledgers].filter(([key]) => key !== this.options.owner).map(([, item]) => ledgerOf(item));
    return firstCapRefusal({ own, account: mergeLedgers([own, ...others]) }, this.limits, now, to);
  }

  /** Whether the account's ledgers as read, with this send, come within the margin of an account cap. */
  private nearAccountCap(countedOn: CapLedger | null, ledgers: Map<string, MapItem>, now: number, to: string): boolean {
    const { account } = this.limits;
    if (!isActive(account)) return false;
    const own = countedOn ?? ledgerOf(ledgers.get(this.options.owner) ?? null);
    const others = [...ledgers].filter(([key]) => key !== this.options.owner).map(([, item]) => ledgerOf(item));
    const reduce = (limit: number) => (limit > 0 ? Math.max(1, limit - accountVerifyMargin(limit)) : 0);
    const near: CapLimits = { perMinute: reduce(account.perMinute), perRecipientPerMinute: 0, perHour: reduce(account.perHour), perDay: reduce(account.perDay) };
    return capRefusal(mergeLedgers([own, ...others]), near, now, to) !== null;
  }

  /**
   * The account's caps checked again on a read made after this send's count landed: refused when
   * the window holds more than a cap, this send included. (The count is then taken back by undo.)
   */
  private async verifyAccount(sync: SyncGateway, now: number, to: string): Promise<Reservation | null> {
    const ledgers = await this.readLedgers(sync);
    const all = mergeLedgers([...ledgers.values()].map((item) => ledgerOf(item)));
    const refused = capRefusal(forgetSend(all, now, to), this.limits.account, now, to);
    return refused ? { kind: 'rate-limited', account: true, ...refused } : null;
  }

  /**
   * Counts the send against the ledger this process last wrote, beside the ledgers' read: the
   * ledger it counted on, or null when it did not count (nothing written yet, the owner's caps
   * refuse on that ledger, or another bridge wrote since), and count() decides on the read.
   */
  private async countOnOwnLast(sync: SyncGateway, now: number, to: string): Promise<CapLedger | null> {
    const known = this.own;
    if (!known || capRefusal(known.ledger, this.limits.own, now, to)) return null;
    const next = storable(recordSend(known.ledger, this.keep, now, to));
    try {
      this.own = { revision: await sync.mapUpdate(GUARD_LEDGERS_MAP, this.options.owner, next.data, known.revision, { ttlSeconds: LEDGER_TTL_SECONDS }), ledger: next.ledger };
      return known.ledger;
    } catch (error) {
      // Stale (412), or expired with its TTL (404): count() then works from the read.
      if (isRevisionConflict(error) || isNotFound(error)) return null;
      throw error;
    }
  }

  /**
   * Checks this send against the owner's caps and the account's (all ledgers summed), then counts
   * it with an If-Match write of the owner's item. On a conflict (another send of the same
   * owner) the item is read again and checked again.
   */
  private async count(sync: SyncGateway, ledgers: Map<string, MapItem>, now: number, to: string): Promise<Reservation | null> {
    const { owner } = this.options;
    let current = ledgers.get(owner) ?? null;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const own = ledgerOf(current);
      const refused = this.refusal(own, ledgers, now, to);
      if (refused) return refused;
      const next = storable(recordSend(own, this.keep, now, to));
      try {
        const revision = current
          ? await sync.mapUpdate(GUARD_LEDGERS_MAP, owner, next.data, current.revision, { ttlSeconds: LEDGER_TTL_SECONDS })
          : (await sync.mapCreate(GUARD_LEDGERS_MAP, owner, next.data, { ttlSeconds: LEDGER_TTL_SECONDS })).revision;
        this.own = { revision, ledger: next.ledger };
        return null;
      } catch (error) {
        if (!(current ? isRevisionConflict(error) : isDuplicateKey(error))) throw error;
      }
      current = await sync.mapGet(GUARD_LEDGERS_MAP, owner);
    }
    throw new Error('Too many concurrent sends of this owner.');
  }

  /** Takes one counted send out of the owner's ledger (If-Match, re-read on a conflict). */
  private async uncount(sync: SyncGateway, counted: Counted): Promise<void> {
    const { owner } = this.options;
    let current = this.own;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      if (!current) {
        const item = await sync.mapGet(GUARD_LEDGERS_MAP, owner);
        if (!item) return;
        current = { revision: item.revision, ledger: ledgerOf(item) };
      }
      const restored = storable(forgetSend(current.ledger, counted.at, counted.to));
      try {
        this.own = { revision: await sync.mapUpdate(GUARD_LEDGERS_MAP, owner, restored.data, current.revision, { ttlSeconds: LEDGER_TTL_SECONDS }), ledger: restored.ledger };
        return;
      } catch (error) {
        if (!isRevisionConflict(error)) throw error;
      }
      current = null;
    }
    throw new Error('Too many concurrent sends of this owner.');
  }

  /**
   * A reservation given up (a cap or an earlier claim refused it, Sync failed, or the send's
   * policy refused it): its claim deleted and its count taken back, side by side. Best effort: a
   * count left standing only refuses sooner, and a claim left standing expires with the window.
   */
  private async undo(sync: SyncGateway, held: Ticket): Promise<void> {
    await Promise.all([
      held.claim?.state === 'sending' ? sync.mapDelete(held.map, held.key).catch((error: unknown) => this.options.warn(`the send guard could not remove a claim given up (it expires with the duplicate window): ${describeFailure(error)}`)) : null,
      held.counted ? this.uncount(sync, held.counted).catch((error: unknown) => this.options.warn(`the send guard could not take back a count given up (it only refuses sooner until it ages out): ${describeFailure(error)}`)) : null,
    ]);
  }

  async withdraw(ticket: string): Promise<void> {
    const held = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!held) return;
    await this.undo(await this.options.sync(), held);
  }

  async complete(ticket: string, outcome: { sid: string | null; status: string }): Promise<void> {
    const held = this.tickets.get(ticket);
    if (!held?.claim || held.claim.state === 'sent') return;
    held.claim = { ...held.claim, state: 'sent', sid: outcome.sid, status: outcome.status };
    await this.write(held, 'record the sent message');
  }

  async updateStatus(ticket: string, status: string): Promise<void> {
    const held = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!held?.claim || held.claim.state !== 'sent' || held.claim.status === status) return;
    held.claim = { ...held.claim, status };
    await this.write(held, 'update the sent message');
  }

  async release(ticket: string): Promise<void> {
    const held = this.tickets.get(ticket);
    this.tickets.delete(ticket);
    if (!held?.claim || held.claim.state !== 'sending') return;
    const sync = await this.options.sync();
    await sync.mapDelete(held.map, held.key).catch((error: unknown) => this.options.warn(`the send guard could not release a refused message's claim (it expires with the duplicate window): ${describeFailure(error)}`));
  }

  private async write(held: Ticket, what: string): Promise<void> {
    const claim = held.claim!;
    const ttlSeconds = Math.max(1, Math.ceil((claim.at + this.options.limits.duplicateWindowMs - this.now()) / 1000));
    try {
      const sync = await this.options.sync();
      await sync.mapUpdate(held.map, held.key, claim, undefined, { ttlSeconds });
    } catch (error) {
      // The claim stays "sending": other bridges answer "being sent" until it expires. Never a resend.
      this.options.warn(`the send guard could not ${what} in Twilio Sync: ${describeFailure(error)}`);
    }
  }
}
