/**
 * Reconciliation's rules, with a fake store: which logged messages are ours, in what order they
 * are stored, what is skipped, where the next window starts; and the operator script's arguments.
 */
import type { MessageRecord } from '../../lib/message-record';
import type { LoggedMessage } from '../../lib/reconcile/message-log';
import { inboundRecordOf, reconcileMessages, type ReconcileStore } from '../../lib/reconcile/reconcile';
import { ownedBy } from '../../lib/reconcile/run';
import { FIRST_LOOKBACK_MS, MAX_HOLD_MS, OVERLAP_MS, windowStart } from '../../lib/reconcile/schedule';
import { parseReconcileArgs } from '../../scripts/reconcile';

const OURS = '+15005550006';
const OTHER_NUMBER = '+15005550007';
const HANDSET = '+14155550100';
const T0 = Date.parse('2026-12-01T09:00:00Z');
let seq = 0;

function logged(change: Partial<LoggedMessage>): LoggedMessage {
  const at = new Date(T0 + seq * 1000);
  return {
    sid: `SM${(seq++).toString(16).padStart(32, '0')}`, direction: 'inbound', from: HANDSET, to: OURS, body: 'hi', numMedia: 0, numSegments: 1,
    status: 'received', errorCode: null, dateCreated: at, dateSent: at, messagingServiceSid: null, ...change,
  };
}

function fakeStore(counted: string[] = []) {
  const inbound: MessageRecord[] = [];
  const statuses: { sid: string; status: string; park: boolean | undefined }[] = [];
  const store: ReconcileStore = {
    recentlyCounted: async () => new Set(counted),
    recordInbound: async (record) => {
      const seen = inbound.some((r) => r.sid === record.sid);
      if (!seen) inbound.push(record);
      return seen ? 'duplicate' : 'stored';
    },
    applyStatus: async (update, options) => {
      statuses.push({ sid: update.sid, status: update.status, park: options?.park });
      return 'updated';
    },
  };
  return { store, inbound, statuses };
}

const deps = (store: ReconcileStore) => ({ store, media: async () => [{ url: 'https://api.twilio.com/m', contentType: 'image/png' }], now: () => new Date(T0) });

test('stores our inbound messages oldest first, as the webhook would, and skips what the inbox counted', async () => {
  const [a, b, c] = [logged({ body: 'one' }), logged({ body: 'two', numMedia: 1 }), logged({ body: 'three' })];
  const { store, inbound } = fakeStore([a!.sid]);
  const result = await reconcileMessages(deps(store), [a!, b!, c!], ownedBy([OURS]));
  expect(inbound.map((r) => r.body)).toEqual(['two', 'three']);
  expect(inbound[0]).toEqual(inboundRecordOf(b!, [{ url: 'https://api.twilio.com/m', contentType: 'image/png' }]));
  expect(inbound[0]).toMatchObject({ direction: 'inbound', status: 'received', processed: false, createdAt: b!.dateSent!.toISOString() });
  expect(result).toMatchObject({ stored: 2, present: 1, statusesUpdated: 0, openSince: null });
});

test("other numbers' messages, TwiML replies and messages still arriving are left alone", async () => {
  const receiving = logged({ status: 'receiving' });
  const { store, inbound, statuses } = fakeStore();
  const result = await reconcileMessages(deps(store), [
    logged({ to: OTHER_NUMBER }),
    logged({ direction: 'outbound-reply', from: OURS, to: HANDSET, status: 'delivered' }),
    logged({ direction: 'outbound-api', from: OTHER_NUMBER, to: HANDSET, status: 'delivered' }),
    receiving,
  ], ownedBy([OURS]));
  expect(inbound).toEqual([]);
  expect(statuses).toEqual([]);
  // Still changing: the next window starts no later than it.
  expect(result.openSince).toEqual(receiving.dateSent);
});

test('outbound statuses go through the status path without parking unknown messages', async () => {
  const sent = logged({ direction: 'outbound-api', from: OURS, to: HANDSET, status: 'sent' });
  const delivered = logged({ direction: 'outbound-api', from: OURS, to: HANDSET, status: 'delivered' });
  const { store, statuses } = fakeStore();
  const result = await reconcileMessages(deps(store), [sent, delivered], ownedBy([OURS]));
  expect(statuses).toEqual([{ sid: sent.sid, status: 'sent', park: false }, { sid: delivered.sid, status: 'delivered', park: false }]);
  expect(result.statusesUpdated).toBe(2);
  expect(result.openSince).toEqual(sent.dateSent);
});

test('a failure stops that conversation (its order is kept) and is reported; others go on', async () => {
  const other = '+14155550999';
  const { store, inbound } = fakeStore();
  const failing: ReconcileStore = {
    ...store,
    recordInbound: async (record) => {
      if (record.body === 'boom') throw new Error('Sync said no');
      return store.recordInbound(record);
    },
  };
  const result = await reconcileMessages(deps(failing), [logged({ body: 'boom' }), logged({ body: 'after boom' }), logged({ from: other, body: 'elsewhere' })], ownedBy([OURS]));
  expect(inbound.map((r) => r.body)).toEqual(['elsewhere']);
  expect(result.failure).toEqual(new Error('Sync said no'));
});

test('a Messaging Service source owns the messages that carry its SID', () => {
  const isOurs = ownedBy([`MG${'a'.repeat(32)}`]);
  expect(isOurs(OURS, `MG${'a'.repeat(32)}`)).toBe(true);
  expect(isOurs(OURS, null)).toBe(false);
  expect(ownedBy([OURS])(OURS, null)).toBe(true);
});

describe('windowStart', () => {
  const now = T0;
  test('the first run looks back 24 hours', () => {
    expect(windowStart({ through: null, openSince: null }, now).getTime()).toBe(now - FIRST_LOOKBACK_MS);
  });
  test('later runs start where the last ended, less the overlap', () => {
    expect(windowStart({ through: new Date(now - 60_000).toISOString(), openSince: null }, now).getTime()).toBe(now - 60_000 - OVERLAP_MS);
  });
  test('an unfinished message holds the start back, at most an hour', () => {
    const through = new Date(now - 60_000).toISOString();
    expect(windowStart({ through, openSince: new Date(now - 20 * 60_000).toISOString() }, now).getTime()).toBe(now - 20 * 60_000);
    expect(windowStart({ through, openSince: new Date(now - 5 * 3600_000).toISOString() }, now).getTime()).toBe(now - MAX_HOLD_MS);
  });
});

describe('npm run reconcile arguments', () => {
  test.each<[string[], ReturnType<typeof parseReconcileArgs>]>([
    [[], { kind: 'run', numbers: [] }],
    [['--since', '2026-12-01T08:00:00Z'], { kind: 'run', numbers: [], since: new Date('2026-12-01T08:00:00Z') }],
    [['--number', '+14155550100', '--number', '+14155550101'], { kind: 'run', numbers: ['+14155550100', '+14155550101'] }],
    [['--help'], { kind: 'help' }],
  ])('%j', (argv, expected) => {
    expect(parseReconcileArgs(argv)).toEqual(expected);
  });

  test.each([
    [['--since', 'yesterday'], /--since "yesterday" is not a time: use ISO 8601/],
    [['--number', '4155550100'], /--number "4155550100" is not an E.164 number/],
    [['--hours', '3'], /Unknown option '--hours'.*see --help/],
  ])('%j is refused with what to fix', (argv, message) => {
    const parsed = parseReconcileArgs(argv);
    expect(parsed.kind).toBe('error');
    expect(parsed.kind === 'error' && parsed.message).toMatch(message);
  });
});
