/**
 * The send caps as plain data and rules, so that the in-memory guard and the one kept in Twilio
 * Sync (every bridge of a user, or of the account, sharing one ledger) count the same way.
 *
 * A ledger keeps the last minute's sends exactly (only when a per-minute cap needs them), the
 * last hour in one-minute buckets, the last day in one-hour buckets. A per-recipient cap alone
 * bounds the minute's sends only by the send rate; the ledger kept in Sync is bounded by Sync's
 * own write limit instead (ledger-codec.ts). A bucketed window counts its whole oldest bucket, so it may refuse up to one bucket
 * early but never lets more than its limit through in any true window.
 */
export interface CapLimits {
  /** 0 = no limit, for each. */
  perMinute: number;
  perRecipientPerMinute: number;
  perHour: number;
  perDay: number;
}

export type CapScope = 'overall' | 'recipient' | 'hour' | 'day';

export interface CapLedger {
  /** Sends of the last minute: when (ms), and to whom (a recipient key). */
  minute: { at: number; to: string }[];
  /** One-minute bucket start (ms) → sends. */
  hour: Record<string, number>;
  /** One-hour bucket start (ms) → sends. */
  day: Record<string, number>;
}

export interface CapRefusal {
  scope: CapScope;
  limit: number;
  retryAfterSeconds: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const EMPTY_LEDGER: CapLedger = { minute: [], hour: {}, day: {} };

function bucketOf(at: number, size: number): number {
  return Math.floor(at / size) * size;
}

/** Buckets whose span reaches into the window ending now. */
function inWindow(buckets: Record<string, number>, now: number, size: number, window: number): [number, number][] {
  const oldest = bucketOf(now - window, size);
  return Object.entries(buckets)
    .map(([start, count]): [number, number] => [Number(start), count])
    .filter(([start]) => start >= oldest)
    .sort((a, b) => a[0] - b[0]);
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The first cap this send would exceed, or null. */
export function capRefusal(ledger: CapLedger, limits: CapLimits, now: number, to: string): CapRefusal | null {
  const minute = ledger.minute.filter((send) => now - send.at < MINUTE);
  const checks: { scope: CapScope; limit: number; sends: () => { count: number; frees: number } }[] = [
    { scope: 'overall', limit: limits.perMinute, sends: () => ({ count: minute.length, frees: (minute[0]?.at ?? now) + MINUTE }) },
    {
      scope: 'recipient',
      limit: limits.perRecipientPerMinute,
      sends: () => {
        const theirs = minute.filter((send) => send.to === to);
        return { count: theirs.length, frees: (theirs[0]?.at ?? now) + MINUTE };
      },
    },
    {
      scope: 'hour',
      limit: limits.perHour,
      sends: () => {
        const buckets = inWindow(ledger.hour, now, MINUTE, HOUR);
        return { count: buckets.reduce((n, [, c]) => n + c, 0), frees: (buckets[0]?.[0] ?? now) + HOUR + MINUTE };
      },
    },
    {
      scope: 'day',
      limit: limits.perDay,
      sends: () => {
        const buckets = inWindow(ledger.day, now, HOUR, DAY);
        return { count: buckets.reduce((n, [, c]) => n + c, 0), frees: (buckets[0]?.[0] ?? now) + DAY + HOUR };
      },
    },
  ];
  for (const check of checks) {
    if (check.limit <= 0) continue;
    const { count, frees } = check.sends();
    if (count >= check.limit) return { scope: check.scope, limit: check.limit, retryAfterSeconds: seconds(frees - now) };
  }
  return null;
}

/** The ledger with this send counted and what no cap can need any more dropped. */
export function recordSend(ledger: CapLedger, limits: CapLimits, now: number, to: string): CapLedger {
  const keepMinute = limits.perMinute > 0 || limits.perRecipientPerMinute > 0;
  const minute = keepMinute ? [...ledger.minute.filter((send) => now - send.at < MINUTE), { at: now, to }] : [];
  const bump = (buckets: Record<string, number>, size: number, window: number, keep: boolean): Record<string, number> => {
    if (!keep) return {};
    const kept = Object.fromEntries(inWindow(buckets, now, size, window).map(([start, count]) => [String(start), count]));
    const bucket = String(bucketOf(now, size));
    kept[bucket] = (kept[bucket] ?? 0) + 1;
    return kept;
  };
  return { minute, hour: bump(ledger.hour, MINUTE, HOUR, limits.perHour > 0), day: bump(ledger.day, HOUR, DAY, limits.perDay > 0) };
}

/**
 * The ledger without one send that recordSend counted at `at` to `to`: a reservation withdrawn
 * because a check beside it refused the send (send-guard.ts). What was dropped since stays dropped.
 */
export function forgetSend(ledger: CapLedger, at: number, to: string): CapLedger {
  const last = ledger.minute.map((send) => send.at === at && send.to === to).lastIndexOf(true);
  const minute = last < 0 ? ledger.minute : ledger.minute.filter((_, i) => i !== last);
  const drop = (buckets: Record<string, number>, size: number): Record<string, number> => {
    const bucket = String(bucketOf(at, size));
    const count = buckets[bucket];
    if (count === undefined) return buckets;
    const { [bucket]: _dropped, ...rest } = buckets;
    return count > 1 ? { ...rest, [bucket]: count - 1 } : rest;
  };
  return { minute, hour: drop(ledger.hour, MINUTE), day: drop(ledger.day, HOUR) };
}

/** Several senders' ledgers as one, for the account's caps. */
export function mergeLedgers(ledgers: readonly CapLedger[]): CapLedger {
  const sum = (pick: (ledger: CapLedger) => Record<string, number>) => {
    const total: Record<string, number> = {};
    for (const ledger of ledgers) for (const [bucket, count] of Object.entries(pick(ledger))) total[bucket] = (total[bucket] ?? 0) + count;
    return total;
  };
  return { minute: ledgers.flatMap((ledger) => ledger.minute).sort((a, b) => a.at - b.at), hour: sum((l) => l.hour), day: sum((l) => l.day) };
}

/** Limits that keep in a ledger whatever either set of caps needs. */
export function keepingFor(a: CapLimits, b: CapLimits): CapLimits {
  return { perMinute: Math.max(a.perMinute, b.perMinute), perRecipientPerMinute: Math.max(a.perRecipientPerMinute, b.perRecipientPerMinute), perHour: Math.max(a.perHour, b.perHour), perDay: Math.max(a.perDay, b.perDay) };
}
