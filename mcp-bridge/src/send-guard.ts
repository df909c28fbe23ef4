/**
 * The guard behind send_sms's "call once" wording: a model that loops cannot text anyone twice.
 *
 * - The same body to the same number within the duplicate window is not sent again; the caller
 *   gets the first message's SID and last known status instead. A send still in flight counts.
 * - At most N sends a minute overall and M per recipient, and optional hourly and daily caps
 *   (0 = no limit).
 * Everything happens before Twilio is called, so a refused send costs no API call.
 * State lives in memory: the guard protects one bridge process, which is what one chat runs.
 */
export interface GuardLimits {
  duplicateWindowMs: number;
  perMinute: number;
  perRecipientPerMinute: number;
  perHour?: number;
  perDay?: number;
}

export type CapScope = 'overall' | 'recipient' | 'hour' | 'day';

interface Cap {
  scope: CapScope;
  windowMs: number;
  limit: number;
  perRecipient: boolean;
}

export interface PriorSend {
  sid: string | null;
  status: string;
  at: number;
}

export type Reservation =
  | { kind: 'go'; ticket: number }
  | { kind: 'duplicate'; prior: PriorSend }
  | { kind: 'in-flight' }
  | { kind: 'rate-limited'; scope: CapScope; limit: number; retryAfterSeconds: number };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Collapses whitespace so "Hi  there" and "Hi there " count as the same message. */
export function messageKey(to: string, body: string, media: readonly string[] = []): string {
  return JSON.stringify([to, body.trim().replace(/\s+/g, ' '), [...media].sort()]);
}

export class SendGuard {
  private readonly sent = new Map<string, PriorSend & { key: string }>();
  private readonly inFlight = new Map<number, { key: string; to: string }>();
  private readonly attempts: { to: string; at: number }[] = [];
  private readonly caps: Cap[];
  private readonly longestWindowMs: number;
  private nextTicket = 1;

  constructor(private readonly limits: GuardLimits, private readonly now: () => number = Date.now) {
    this.caps = [
      { scope: 'overall' as const, windowMs: MINUTE, limit: limits.perMinute, perRecipient: false },
      { scope: 'recipient' as const, windowMs: MINUTE, limit: limits.perRecipientPerMinute, perRecipient: true },
      { scope: 'hour' as const, windowMs: HOUR, limit: limits.perHour ?? 0, perRecipient: false },
      { scope: 'day' as const, windowMs: DAY, limit: limits.perDay ?? 0, perRecipient: false },
    ].filter((cap) => cap.limit > 0);
    this.longestWindowMs = Math.max(MINUTE, ...this.caps.map((cap) => cap.windowMs));
  }

  reserve(to: string, body: string, media: readonly string[] = []): Reservation {
    const now = this.now();
    this.forgetOld(now);
    const key = messageKey(to, body, media);
    const prior = this.sent.get(key);
    if (prior) return { kind: 'duplicate', prior: { sid: prior.sid, status: prior.status, at: prior.at } };
    if ([...this.inFlight.values()].some((flight) => flight.key === key)) return { kind: 'in-flight' };

    for (const cap of this.caps) {
      const counted = this.attempts.filter((attempt) => now - attempt.at < cap.windowMs && (!cap.perRecipient || attempt.to === to));
      const flying = [...this.inFlight.values()].filter((flight) => !cap.perRecipient || flight.to === to).length;
      if (counted.length + flying >= cap.limit) {
        return { kind: 'rate-limited', scope: cap.scope, limit: cap.limit, retryAfterSeconds: retryAfter(counted, now, cap.windowMs) };
      }
    }
    const ticket = this.nextTicket++;
    this.inFlight.set(ticket, { key, to });
    return { kind: 'go', ticket };
  }

  /** Twilio took (or may have taken) the message: remember it and count it against the limits. */
  complete(ticket: number, outcome: { sid: string | null; status: string }): void {
    const flight = this.inFlight.get(ticket);
    if (!flight) return;
    this.inFlight.delete(ticket);
    const at = this.now();
    this.attempts.push({ to: flight.to, at });
    this.sent.set(flight.key, { key: flight.key, sid: outcome.sid, status: outcome.status, at });
  }

  /** Later news about a remembered message (its final status). */
  updateStatus(sid: string, status: string): void {
    for (const prior of this.sent.values()) if (prior.sid === sid) prior.status = status;
  }

  /** Twilio refused the message outright: nothing was sent, so nothing is remembered. */
  release(ticket: number): void {
    const flight = this.inFlight.get(ticket);
    if (!flight) return;
    this.inFlight.delete(ticket);
    this.attempts.push({ to: flight.to, at: this.now() });
  }

  private forgetOld(now: number): void {
    for (const [key, prior] of this.sent) if (now - prior.at >= this.limits.duplicateWindowMs) this.sent.delete(key);
    while (this.attempts.length > 0 && now - this.attempts[0]!.at >= this.longestWindowMs) this.attempts.shift();
  }
}

function retryAfter(attempts: readonly { at: number }[], now: number, windowMs: number): number {
  const oldest = attempts[0];
  return oldest ? Math.max(1, Math.ceil((oldest.at + windowMs - now) / 1000)) : Math.ceil(windowMs / 1000);
}
