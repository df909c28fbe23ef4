/**
 * The send guard kept in Twilio Sync, so that it holds across restarts and for every bridge on
 * the service (LibreChat's per-user processes, LibreChat and Claude Desktop side by side, several
 * HTTP instances). Per send, with the names of lib/sync-names.ts:
 * - the duplicate claim: an atomic create of the message's item in `sent_<sender, recipient>`
 *   (the webhook's kind of claim: of two bridges sending the same message at once, one creates,
 *   the other finds it), expiring with the duplicate window; it later records the SID and status;
 * - the caps: every sender's ledger is an item of one Map (`guard_ledgers`); a send reads that Map
 *   (one page per 100 senders), checks its sender's caps on its own item and the account's on
 *   the sum of all, and counts itself with one conditional (If-Match) write of its own item. So
 *   concurrent sends of different users never conflict; a sender's own caps are exact, while the
 *   account's may be passed by as many sends as different users make in the same instant.
 * Cost: 1 create + 1 read before the message is created, together (one round trip), then 1 write;
 * 1 write after the create, 1 more when the final status differs. No object is written twice by
 * one send except its own claim. Any Sync failure refuses the send: the guard never lets a
 * message through unchecked.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isDuplicateKey, isRevisionConflict, type MapItem, type SyncGateway } from '../../lib/store/sync-gateway';
import { GUARD_LEDGERS_MAP, sentMapName, shortHash } from '../../lib/sync-names';
import { describeFailure } from '../../lib/twilio-errors';
import { type CapLedger, type CapLimits, EMPTY_LEDGER, keepingFor, mergeLedgers, recordSend } from './send-caps';
import { capLimits, firstCapRefusal, type GuardLimits, messageKey, type Reservation, type SendGuard } from './send-guard';

const ClaimSchema = z.object({
  state: z.enum(['sending', 'sent']),
  sid: z.string().nullable(),
  status: z.string(),
  at: z.number(),
  owner: z.string(),
});
type Claim = z.infer<typeof ClaimSchema>;

const LedgerSchema = z.object({
  minute: z.array(z.object({ at: z.number(), to: z.string() })),
  hour: z.record(z.string(), z.number()),
  day: z.record(z.string(), z.number()),
});

/** A ledger remembers a day (plus its oldest hour bucket); an idle one expires after that. */
const LEDGER_TTL_SECONDS = 25 * 3600;
const MAX_CONFLICTS = 20;

function ledgerOf(item: MapItem | null): CapLedger {
  const parsed = LedgerSchema.safeParse(item?.data);
  return parsed.success ? parsed.data : EMPTY_LEDGER;
}

function isActive(limits: CapLimits): boolean {
  return limits.perMinute > 0 || limits.perRecipientPerMinute > 0 || limits.perHour > 0 || limits.perDay > 0;
}

function unavailable(error: unknown): Reservation {
  return { kind: 'unavailable', reason: `The send guard's state in Twilio Sync could not be checked: ${describeFailure(error).replace(/\.?$/, '.')}` };
}

interface Ticket {
  map: string;
  key: string;
  claim: Claim | null;
}

export interface SyncSendGuardOptions {
  /** The Sync gateway, created on first use (loading twilio-node is not on the start path). */
  sync: () => Promise<SyncGateway>;
  /** Whose caps and duplicates these are: a reader key (one SMS_USER), or "shared". */
  sender: string;
  limits: GuardLimits;
  now?: () => number;
  /** A write after the create that did not get through: the claim then stays "sending", which is safe. */
  warn: (message: string) => void;
}

export class SyncSendGuard implements SendGuard {
  private readonly tickets = new Map<string, Ticket>();
  private readonly limits: { own: CapLimits; account: CapLimits };
  private readonly now: () => number;

  constructor(private readonly options: SyncSendGuardOptions) {
    this.limits = capLimits(options.limits);
    this.now = options.now ?? Date.now;
  }

  async reserve(to: string, body: string, media: readonly string[] = [], hints: { newRecipient?: boolean } = {}): Promise<Reservation> {
    let sync: SyncGateway;
    try {
      sync = await this.options.sync();
    } catch (error) {
      return unavailable(error);
    }
    const now = this.now();
    for (const [old, held] of this.tickets) if (!held.claim || now - held.claim.at >= this.options.limits.duplicateWindowMs) this.tickets.delete(old);
    const ticket = randomUUID();
    const map = sentMapName(this.options.sender, to);
    const key = `m_${shortHash(messageKey(to, body, media))}`;
    const claim: Claim | null = this.options.limits.duplicateWindowMs > 0 ? { state: 'sending', sid: null, status: 'sending', at: now, owner: ticket } : null;
    const capped = isActive(this.limits.own) || isActive(this.limits.account);
    let claimed = false;
    try {
      const [prior, ledgers] = await Promise.all([
        claim ? this.claim(sync, map, key, claim, hints.newRecipient ?? false).then((found) => ((claimed = found === null), found)) : null,
        capped ? this.readLedgers(sync) : null,
      ]);
      if (prior) return prior;
      const refused = ledgers ? await this.count(sync, ledgers, now, shortHash(to)) : null;
      if (refused) {
        if (claimed) await sync.mapDelete(map, key).catch(() => undefined);
        return refused;
      }
    } catch (error) {
      if (claimed) await sync.mapDelete(map, key).catch(() => undefined);
      return unavailable(error);
    }
    this.tickets.set(ticket, { map, key, claim });
    return { kind: 'go', ticket };
  }

  /** null: this send holds the claim now; else what the earlier claim says. */
  private async claim(sync: SyncGateway, map: string, key: string, claim: Claim, newRecipient: boolean): Promise<Reservation | null> {
    const windowMs = this.options.limits.duplicateWindowMs;
    const ttlSeconds = Math.ceil(windowMs / 1000);
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      try {
        // A new recipient's map is not there yet: created first, sparing the 404's round trip.
        await sync.mapCreate(map, key, claim, { ttlSeconds, containerLikelyMissing: newRecipient && conflicts === 0 });
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

  /** Every sender's ledger item, by sender (one page per 100 senders). */
  private async readLedgers(sync: SyncGateway): Promise<Map<string, MapItem>> {
    const items = new Map<string, MapItem>();
    let token: string | null = null;
    do {
      const page: Awaited<ReturnType<SyncGateway['mapPage']>> = await sync.mapPage(GUARD_LEDGERS_MAP, token);
      for (const item of page.items) items.set(item.key, item);
      token = page.nextPageToken;
    } while (token);
    return items;
  }

  /**
   * Checks this send against the sender's caps and the account's (all ledgers summed), then counts
   * it with an If-Match write of the sender's item. On a conflict (another send of the same
   * sender) the item is read again and checked again.
   */
  private async count(sync: SyncGateway, ledgers: Map<string, MapItem>, now: number, to: string): Promise<Reservation | null> {
    const { sender } = this.options;
    const others = [...ledgers].filter(([key]) => key !== sender).map(([, item]) => ledgerOf(item));
    const keep = keepingFor(this.limits.own, this.limits.account);
    let current = ledgers.get(sender) ?? null;
    for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts++) {
      const own = ledgerOf(current);
      const refused = firstCapRefusal({ own, account: mergeLedgers([own, ...others]) }, this.limits, now, to);
      if (refused) return refused;
      const next = recordSend(own, keep, now, to);
      try {
        if (current) await sync.mapUpdate(GUARD_LEDGERS_MAP, sender, next, current.revision, { ttlSeconds: LEDGER_TTL_SECONDS });
        else await sync.mapCreate(GUARD_LEDGERS_MAP, sender, next, { ttlSeconds: LEDGER_TTL_SECONDS });
        return null;
      } catch (error) {
        if (!(current ? isRevisionConflict(error) : isDuplicateKey(error))) throw error;
      }
      current = await sync.mapGet(GUARD_LEDGERS_MAP, sender);
    }
    throw new Error('Too many concurrent sends of this sender.');
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
