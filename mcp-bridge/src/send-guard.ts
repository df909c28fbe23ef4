/**
 * The guard behind send_sms's "call once" wording: a model that loops cannot text anyone twice.
 *
 * - The same body to the same number within the duplicate window is not sent again; the caller
 *   gets the first message's SID and last known status instead. A send still in flight counts.
 * - At most N sends a minute overall and M per recipient (0 = no limit).
 * Everything happens before Twilio is called, so a refused send costs no API call.
 * State lives in memory: the guard protects one bridge process, which is what one chat runs.
 */
export interface GuardLimits {
  duplicateWindowMs: number;
  perMinute: number;
  perRecipientPerMinute: number;
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
  | { kind: 'rate-limited'; scope: 'overall' | 'recipient'; limit: number; retryAfterSeconds: number };

const MINUTE = 60_000;

/** Collapses whitespace so "Hi  there" and "Hi there " count as the same message. */
export function messageKey(to: string, body: string, media: readonly string[] = []): string {
  return JSON.stringify([to, body.trim().replace(/\s+/g, ' '), [...media].sort()]);
}

export class SendGuard {
  private readonly sent = new Map<string, PriorSend & { key: string }>();
  private readonly inFlight = new Map<number, { key: string; to: string }>();
  private readonly attempts: { to: string; at: number }[] = [];
  private nextTicket = 1;

  constructor(private readonly limits: GuardLimits, private readonly now: () => number = Date.now) {}

  reserve(to: string, body: string, media: readonly string[] = []): Reservation {
    const now = this.now();
    this.forgetOld(now);
    const key = messageKey(to, body, media);
    const prior = this.sent.get(key);
    if (prior) return { kind: 'duplicate', prior: { sid: prior.sid, status: prior.status, at: prior.at } };
    if ([...this.inFlight.values()].some((flight) => flight.key === key)) return { kind: 'in-flight' };

    const recent = this.attempts.filter((attempt) => now - attempt.at < MINUTE);
    const overall = this.limits.perMinute;
    if (overall > 0 && recent.length + this.inFlight.size >= overall) {
      return { kind: 'rate-limited', scope: 'overall', limit: overall, retryAfterSeconds: retryAfter(recent, now) };
    }
    const perRecipient = this.limits.perRecipientPerMinute;
    const mine = recent.filter((attempt) => attempt.to === to);
    const mineInFlight = [...this.inFlight.values()].filter((flight) => flight.to === to).length;
    if (perRecipient > 0 && mine.length + mineInFlight >= perRecipient) {
      return { kind: 'rate-limited', scope: 'recipient', limit: perRecipient, retryAfterSeconds: retryAfter(mine, now) };
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
    while (this.attempts.length > 0 && now - this.attempts[0]!.at >= MINUTE) this.attempts.shift();
  }
}

function retryAfter(attempts: readonly { at: number }[], now: number): number {
  const oldest = attempts[0];
  return oldest ? Math.max(1, Math.ceil((oldest.at + MINUTE - now) / 1000)) : 60;
}
