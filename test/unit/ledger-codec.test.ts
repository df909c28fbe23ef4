import { decodeLedger, encodeLedger, MAX_MINUTE_SENDS, recipientKey } from '../../mcp-bridge/src/ledger-codec';
import { capRefusal, type CapLedger } from '../../mcp-bridge/src/send-caps';

const NOW = 1_765_000_000_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The largest ledger the guard can hold: a full minute at Sync's write limit, every recipient different, every bucket full. */
function largest(): CapLedger {
  const minute = Array.from({ length: MAX_MINUTE_SENDS }, (_, i) => ({ at: NOW - MINUTE + 1 + i * 50, to: recipientKey(`+1415${5_000_000 + i}`) }));
  const hour: Record<string, number> = {};
  for (let i = 0; i <= 60; i++) hour[String(Math.floor((NOW - i * MINUTE) / MINUTE) * MINUTE)] = MAX_MINUTE_SENDS;
  const day: Record<string, number> = {};
  for (let i = 0; i <= 24; i++) day[String(Math.floor((NOW - i * HOUR) / HOUR) * HOUR)] = MAX_MINUTE_SENDS * 60;
  return { minute, hour, day };
}

test('the largest ledger, stored, is under Sync\'s 16 KiB item limit (54006)', () => {
  const bytes = Buffer.byteLength(JSON.stringify(encodeLedger(largest())));
  expect(bytes).toBeLessThan(16 * 1024);
  expect(bytes).toBeGreaterThan(14_000);
});

test('stored and read back, a ledger is the same ledger', () => {
  const ledger = largest();
  expect(decodeLedger(encodeLedger(ledger))).toEqual(ledger);
  expect(decodeLedger(encodeLedger({ minute: [], hour: {}, day: {} }))).toEqual({ minute: [], hour: {}, day: {} });
});

test('only the newest MAX_MINUTE_SENDS are kept, and nothing older than every window', () => {
  const ledger = largest();
  const more: CapLedger = { ...ledger, minute: [{ at: NOW - 5 * MINUTE, to: recipientKey('x') }, ...ledger.minute, { at: NOW, to: recipientKey('y') }] };
  const read = decodeLedger(encodeLedger(more))!;
  expect(read.minute).toHaveLength(MAX_MINUTE_SENDS);
  expect(read.minute.at(-1)).toEqual({ at: NOW, to: recipientKey('y') });
  const old = decodeLedger(encodeLedger({ minute: [{ at: NOW - 10 * MINUTE, to: 'a' }, { at: NOW, to: 'b' }], hour: {}, day: {} }))!;
  expect(old.minute.map((send) => send.at)).toEqual([NOW]);
});

test('the caps decide on the stored ledger as on the ledger itself', () => {
  const ledger = largest();
  const limits = { perMinute: 0, perRecipientPerMinute: 1, perHour: 0, perDay: 0 };
  const read = decodeLedger(encodeLedger(ledger))!;
  for (const to of [ledger.minute[0]!.to, ledger.minute[700]!.to, recipientKey('+14150000000')]) {
    expect(capRefusal(read, limits, NOW, to)).toEqual(capRefusal(ledger, limits, NOW, to));
  }
});

test('a ledger written before (minute as {at, to} objects) is still read; anything else is not a ledger', () => {
  const legacy = { minute: [{ at: NOW, to: '0123456789abcdef' }], hour: { [String(NOW)]: 1 }, day: {} };
  expect(decodeLedger(legacy)).toEqual(legacy);
  expect(decodeLedger({ base: NOW, sends: 'AAA', hour: {}, day: {} })).toBeNull();
  expect(decodeLedger({ base: NOW, sends: 'A*AAAAAAAAA', hour: {}, day: {} })).toBeNull();
  expect(decodeLedger('nope')).toBeNull();
});
