import { capRefusal, EMPTY_LEDGER, forgetSend, recordSend, type CapLedger, type CapLimits } from '../../../lib/guard/send-caps';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const none: CapLimits = { perMinute: 0, perRecipientPerMinute: 0, perHour: 0, perDay: 0 };
const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

function sends(limits: CapLimits, at: number[], to = 'a'): CapLedger {
  return at.reduce((ledger, time) => recordSend(ledger, limits, time, to), EMPTY_LEDGER);
}

describe('capRefusal', () => {
  test('no caps: never refused, and nothing is kept', () => {
    const ledger = sends(none, [T0, T0 + 1, T0 + 2]);
    expect(ledger).toEqual(EMPTY_LEDGER);
    expect(capRefusal(ledger, none, T0 + 3, 'a')).toBeNull();
  });

  test('per minute: exact, freed when the oldest send is a minute old', () => {
    const limits = { ...none, perMinute: 2 };
    const ledger = sends(limits, [T0, T0 + 10_000]);
    expect(capRefusal(ledger, limits, T0 + 30_000, 'b')).toEqual({ scope: 'overall', limit: 2, retryAfterSeconds: 30 });
    expect(capRefusal(ledger, limits, T0 + MINUTE, 'b')).toBeNull();
  });

  test('per recipient: only that recipient counts', () => {
    const limits = { ...none, perRecipientPerMinute: 1 };
    const ledger = sends(limits, [T0], 'a');
    expect(capRefusal(ledger, limits, T0 + 5_000, 'a')).toEqual({ scope: 'recipient', limit: 1, retryAfterSeconds: 55 });
    expect(capRefusal(ledger, limits, T0 + 5_000, 'b')).toBeNull();
  });

  test('per hour in one-minute buckets: never more than the limit in any hour, at most a minute early', () => {
    const limits = { ...none, perHour: 2 };
    const ledger = sends(limits, [T0 + 30_000, T0 + 5 * MINUTE]);
    expect(capRefusal(ledger, limits, T0 + HOUR, 'a')).toMatchObject({ scope: 'hour', limit: 2 });
    // The oldest send's whole bucket leaves the window one bucket after the hour.
    expect(capRefusal(ledger, limits, T0 + HOUR + MINUTE, 'a')).toBeNull();
  });

  test('per day in one-hour buckets', () => {
    const limits = { ...none, perDay: 3 };
    const ledger = sends(limits, [T0, T0 + 2 * HOUR, T0 + 20 * HOUR]);
    expect(capRefusal(ledger, limits, T0 + 23 * HOUR, 'a')).toMatchObject({ scope: 'day', limit: 3 });
    expect(capRefusal(ledger, limits, T0 + 25 * HOUR, 'a')).toBeNull();
  });

  test('the first cap in order refuses: minute, recipient, hour, day', () => {
    const limits = { perMinute: 1, perRecipientPerMinute: 1, perHour: 1, perDay: 1 };
    expect(capRefusal(sends(limits, [T0]), limits, T0 + 1, 'a')?.scope).toBe('overall');
  });
});

describe('recordSend', () => {
  test('keeps the ledger bounded: the minute list, 61 hour buckets and 25 day buckets at most', () => {
    const limits = { perMinute: 5, perRecipientPerMinute: 0, perHour: 1000, perDay: 100_000 };
    const times = Array.from({ length: 3 * 24 * 60 }, (_, i) => T0 + i * MINUTE);
    const ledger = sends(limits, times);
    const now = times.at(-1)!;
    expect(ledger.minute).toEqual([{ at: now, to: 'a' }]);
    expect(Object.keys(ledger.hour).length).toBeLessThanOrEqual(61);
    expect(Object.keys(ledger.day).length).toBeLessThanOrEqual(25);
    expect(JSON.stringify(ledger).length).toBeLessThan(2048);
  });

  test('does not change the ledger it was given', () => {
    const limits = { ...none, perMinute: 3, perDay: 3 };
    const before = sends(limits, [T0]);
    const copy = JSON.parse(JSON.stringify(before)) as CapLedger;
    recordSend(before, limits, T0 + 1, 'a');
    expect(before).toEqual(copy);
  });
});

describe('forgetSend', () => {
  const all: CapLimits = { perMinute: 10, perRecipientPerMinute: 10, perHour: 100, perDay: 1000 };

  test('takes back exactly the send it names: the ledger is as if it had not been counted', () => {
    const before = sends(all, [T0, T0 + 1000], 'a');
    const counted = recordSend(before, all, T0 + 2000, 'b');
    expect(forgetSend(counted, T0 + 2000, 'b')).toEqual(before);
  });

  test('of two sends at the same instant, one goes; a bucket emptied is dropped', () => {
    const twice = sends(all, [T0, T0], 'a');
    const once = forgetSend(twice, T0, 'a');
    expect(once.minute).toEqual([{ at: T0, to: 'a' }]);
    expect(Object.values(once.hour)).toEqual([1]);
    expect(forgetSend(once, T0, 'a')).toEqual(EMPTY_LEDGER);
  });

  test('a send the ledger no longer holds (aged out since) changes nothing', () => {
    const ledger = sends(all, [T0 + 2 * 24 * HOUR], 'a');
    expect(forgetSend(ledger, T0, 'a')).toEqual(ledger);
  });
});
