/**
 * The guard behind send_sms's "call once" wording: a model that loops cannot text anyone twice.
 *
 * - The same body to the same number within the duplicate window is not sent again; the caller
 *   gets the first message's SID and last known status instead. A send still in flight counts.
 * - Caps per owner (one SMS_USER, or the whole bridge without one): N sends a minute, M per
 *   recipient, optional hourly and daily caps; and caps for the whole account (send-caps.ts).
 * Everything happens before Twilio is called, so a refused send costs no API call.
 *
 * Two implementations: SyncSendGuard keeps this state in Twilio Sync, shared by every bridge on
 * the service and kept across restarts; ProcessSendGuard, for a bridge without a Sync service, keeps it
 * in the process, so it cannot see other bridges' sends or those before a restart.
 */
import { type CapLedger, type CapLimits, type CapScope, capRefusal, EMPTY_LEDGER, forgetSend, recordSend } from './send-caps';

export type { CapScope } from './send-caps';

export interface GuardLimits {
  duplicateWindowMs: number;
  /** This owner's caps (0 = none). */
  perMinute: number;
  perRecipientPerMinute: number;
  perHour?: number;
  perDay?: number;
  /** Caps for every owner of the account together (0 = none). */
  accountPerMinute?: number;
  accountPerDay?: number;
}

export interface PriorSend {
  sid: string | null;
  status: string;
  at: number;
}

export type Reservation =
  | { kind: 'go'; ticket: string }
  | { kind: 'duplicate'; prior: PriorSend }
  | { kind: 'in-flight' }
  | { kind: 'rate-limited'; scope: CapScope; account: boolean; limit: number; retryAfterSeconds: number }
  /** The guard's state could not be read or written: never send unguarded. */
  | { kind: 'unavailable'; reason: string };

/** What send_sms needs of a guard; the memory one answers at once, the Sync one after its calls. */
export interface SendGuard {
  reserve(to: string, body: string, media?: readonly string[]): Promise<Reservation> | Reservation;
  /** Twilio took (or may have taken) the message: remember it for the duplicate window. */
  complete(ticket: string, outcome: { sid: string | null; status: string }): Promise<void> | void;
  /** Later news about a completed send (its final status). */
  updateStatus(ticket: string, status: string): Promise<void> | void;
  /** Twilio refused the message outright: nothing was sent, so nothing is remembered (it still counts). */
  release(ticket: string): Promise<void> | void;
  /**
   * The send does not go ahead after all (a policy check run beside the reservation refused it):
   * undone as if never reserved, its claim removed and its count taken back.
   */
  withdraw(ticket: string): Promise<void> | void;
}

/** Collapses whitespace so "Hi  there" and "Hi there " count as the same message. */
export function messageKey(to: string, body: string, media: readonly string[] = []): string {
  return JSON.stringify([to, body.trim().replace(/\s+/g, ' '), [...media].sort()]);
}

/** The guard's limits split into the owner's caps and the account's. */
export function capLimits(limits: GuardLimits): { own: CapLimits; account: CapLimits } {
  return {
    own: { perMinute: limits.perMinute, perRecipientPerMinute: limits.perRecipientPerMinute, perHour: limits.perHour ?? 0, perDay: limits.perDay ?? 0 },
    account: { perMinute: limits.accountPerMinute ?? 0, perRecipientPerMinute: 0, perHour: 0, perDay: limits.accountPerDay ?? 0 },
  };
}

/** Which cap, if any, refuses this send: the owner's own first, then the account's. */
export function firstCapRefusal(
  ledgers: { own: CapLedger; account: CapLedger },
  limits: { own: CapLimits; account: CapLimits },
  now: number,
  to: string,
): Extract<Reservation, { kind: 'rate-limited' }> | null {
  const own = capRefusal(ledgers.own, limits.own, now, to);
  if (own) return { kind: 'rate-limited', account: false, ...own };
  const account = capRefusal(ledgers.account, limits.account, now, to);
  return account ? { kind: 'rate-limited', account: true, ...account } : null;
}

/** The account's cap ledger in memory, one object shared by every owner's ProcessSendGuard of a process. */
export interface LedgerCell {
  value: CapLedger;
}

/** One process's guard of one owner: for a bridge without a Sync service. */
export class ProcessSendGuard implements SendGuard {
  private readonly sent = new Map<string, PriorSend>();
  private readonly tickets = new Map<string, { key: string; state: 'flying' | 'done'; at: number; to: string }>();
  private own: CapLedger = EMPTY_LEDGER;
  private readonly limits: { own: CapLimits; account: CapLimits };
  private nextTicket = 1;

  constructor(
    private readonly guardLimits: GuardLimits,
    private readonly now: () => number = Date.now,
    private readonly account: LedgerCell = { value: EMPTY_LEDGER },
  ) {
    this.limits = capLimits(guardLimits);
  }

  reserve(to: string, body: string, media: readonly string[] = []): Reservation {
    const now = this.now();
    this.forgetOld(now);
    const key = messageKey(to, body, media);
    const prior = this.sent.get(key);
    if (prior) return { kind: 'duplicate', prior: { ...prior } };
    if ([...this.tickets.values()].some((ticket) => ticket.key === key && ticket.state === 'flying')) return { kind: 'in-flight' };
    const refused = firstCapRefusal({ own: this.own, account: this.account.value }, this.limits, now, to);
    if (refused) return refused;
    // Counted now, not when it completes: a send in flight counts, and so does one Twilio refused.
    this.own = recordSend(this.own, this.limits.own, now, to);
    this.account.value = recordSend(this.account.value, this.limits.account, now, to);
    const ticket = String(this.nextTicket++);
    this.tickets.set(ticket, { key, state: 'flying', at: now, to });
    return { kind: 'go', ticket };
  }

  complete(ticket: string, outcome: { sid: string | null; status: string }): void {
    const flight = this.tickets.get(ticket);
    if (flight?.state !== 'flying') return;
    flight.state = 'done';
    if (this.guardLimits.duplicateWindowMs > 0) this.sent.set(flight.key, { sid: outcome.sid, status: outcome.status, at: this.now() });
  }

  updateStatus(ticket: string, status: string): void {
    const flight = this.tickets.get(ticket);
    const prior = flight?.state === 'done' ? this.sent.get(flight.key) : undefined;
    if (prior) prior.status = status;
  }

  release(ticket: string): void {
    if (this.tickets.get(ticket)?.state === 'flying') this.tickets.delete(ticket);
  }

  withdraw(ticket: string): void {
    const flight = this.tickets.get(ticket);
    if (flight?.state !== 'flying') return;
    this.tickets.delete(ticket);
    this.own = forgetSend(this.own, flight.at, flight.to);
    this.account.value = forgetSend(this.account.value, flight.at, flight.to);
  }

  private forgetOld(now: number): void {
    for (const [key, prior] of this.sent) if (now - prior.at >= this.guardLimits.duplicateWindowMs) this.sent.delete(key);
    for (const [ticket, flight] of this.tickets) if (flight.state === 'done' && !this.sent.has(flight.key)) this.tickets.delete(ticket);
  }
}
