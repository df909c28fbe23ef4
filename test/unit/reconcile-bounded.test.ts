/**
 * Reconciliation against the in-process emulator, whose DateSent filters apply to whole GMT days:
 * a few numbers read only their own messages (To / From filters), however busy the account; a
 * window of more than 5,000 messages of the account's log completes over successive turns, each
 * message stored once; and an outbound message that failed before it was sent (no DateSent, so no DateSent>= read lists
 * it) gets its final status from the store's own records, fetched by SID.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import { NUMBER_PAGE_SIZE, readNumberLog } from '../../lib/reconcile/message-log';
import { MAX_NUMBERS_READ_APART, runReconciliation } from '../../lib/reconcile/run';
import { ReconcileSchedule } from '../../lib/reconcile/schedule';
import { SEARCH_EVERY_TURNS } from '../../lib/reconcile/unsettled';
import { OURS, OURS_2, outboundRecord, THEM, useStoreHarness } from './support/store-harness';

jest.setTimeout(120_000);
const harness = useStoreHarness();

const GET = (route: string) => harness.emulator.count({ method: 'GET', product: 'api', route });
const LIST = '/2010-04-01/Accounts/{AccountSid}/Messages.json';
const FETCH = '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json';
/** The emulator's clock runs ahead of the wall clock by what the tests moved it. */
let offset = 0;
const now = () => new Date(Date.now() + offset);
function advance(ms: number) {
  offset += ms;
  harness.emulator.advanceTime(ms);
}

/** More numbers than a turn reads apart: the account's whole log is read once for all. */
const MANY = [OURS, ...Array.from({ length: MAX_NUMBERS_READ_APART }, (_, i) => `+1500555090${i}`)];

test('with more numbers than MAX_NUMBERS_READ_APART, a window of 5,520 messages of the account completes in two turns of at most 5 list calls each, every message of ours stored once, in order', async () => {
  const service = harness.fresh();
  const store = service.store({ now });
  const schedule = new ReconcileSchedule(service.gateway, 0, () => now().getTime());
  const turn = () => runReconciliation({ client: harness.client, store, schedule, now }, MANY, { force: true });
  const ours: string[] = [];
  for (let i = 0; i < 10; i++) ours.push((await harness.emulator.simulateInbound({ from: THEM, to: OURS, body: `early ${i}` })).messageSid);
  // Another number's traffic (a busy account): listed, never stored.
  for (let i = 0; i < 5_500; i++) await harness.emulator.simulateInbound({ from: `+1415555${String(i % 10_000).padStart(4, '0')}`, to: OURS_2, body: `busy ${i}` });
  for (let i = 0; i < 10; i++) ours.push((await harness.emulator.simulateInbound({ from: THEM, to: OURS, body: `late ${i}` })).messageSid);

  // The first turn comes later (a turn re-reads the 2 minutes before the last one's start).
  advance(10 * 60_000);
  harness.emulator.resetCounts();
  const first = (await turn()).report!;
  expect(first).toMatchObject({ complete: false, stored: 10, listCalls: 5 });
  expect((await service.thread(OURS, THEM)).map((m) => m.sid)).toEqual(ours.slice(10));

  const second = (await turn()).report!;
  expect(second).toMatchObject({ complete: true, stored: 10 });
  expect(second.listCalls).toBeLessThanOrEqual(2);
  expect(GET(LIST)).toBe(first.listCalls + second.listCalls);
  // Stored once each (the late ones first: the newest page came first), none twice.
  const stored = (await service.thread(OURS, THEM)).map((m) => m.sid);
  expect([...stored].sort()).toEqual([...ours].sort());
  expect(new Set(stored).size).toBe(20);

  // Ten minutes on (beyond the overlap a turn re-reads), a turn costs what is new: one list call, the day notwithstanding.
  advance(10 * 60_000);
  await harness.emulator.simulateInbound({ from: THEM, to: OURS, body: 'news' });
  harness.emulator.resetCounts();
  const third = (await turn()).report!;
  expect(third).toMatchObject({ complete: true, stored: 1, listCalls: 1 });
  expect(GET(LIST)).toBe(1);
});

test("one number reads its own messages: two list calls of small pages, the 5,500 of the busy account's other number not listed", async () => {
  // The first test's busy traffic (to OURS_2) is in the same GMT day, so DateSent>= lists it too.
  expect(harness.emulator.messages().filter((m) => m.to === OURS_2).length).toBeGreaterThanOrEqual(5_500);
  const service = harness.fresh();
  const store = service.store({ now });
  const schedule = new ReconcileSchedule(service.gateway, 0, () => now().getTime());
  advance(10 * 60_000);
  const since = new Date(now().getTime() - 1000);
  const ours: string[] = [];
  for (let i = 0; i < 3; i++) ours.push((await harness.emulator.simulateInbound({ from: THEM, to: OURS, body: `own ${i}` })).messageSid);
  harness.emulator.resetCounts();
  const { report } = await runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true, since });
  expect(report).toMatchObject({ complete: true, stored: 3, listCalls: 2 });
  // The two filtered lists (To=OURS, From=OURS), each at most a small page: OURS's, not the account's.
  expect(report!.listed).toBeLessThanOrEqual(2 * NUMBER_PAGE_SIZE);
  expect((await service.thread(OURS, THEM)).map((m) => m.sid)).toEqual(expect.arrayContaining(ours));
});

test('a number with more than a small page in its window reads pages of 1,000 of its own list: 260 stored, the account log not read', async () => {
  const service = harness.fresh();
  const store = service.store({ now });
  const schedule = new ReconcileSchedule(service.gateway, 0, () => now().getTime());
  advance(10 * 60_000);
  const since = new Date(now().getTime() - 1000);
  const busy = 5 * NUMBER_PAGE_SIZE + 10;
  for (let i = 0; i < busy; i++) await harness.emulator.simulateInbound({ from: `+1415556${String(i).padStart(4, '0')}`, to: OURS, body: `busy own ${i}` });
  harness.emulator.resetCounts();
  const { report } = await runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true, since });
  // To: the small page, then one of 1,000; From: the small page.
  expect(report).toMatchObject({ stored: busy, listCalls: 3, complete: true });
  expect(GET(LIST)).toBe(3);
  // OURS's messages of the day only: the 5,500 of the busy other number are not listed.
  expect(report!.listed).toBeLessThan(1_000 + 2 * NUMBER_PAGE_SIZE);
});

test("a number's own read comes back incomplete when its window holds more than its pages: the caller reads the account's log then", async () => {
  // The first test's 5,500 messages to OURS_2, all in one window: one page of 1,000 is not all of it.
  const since = new Date(0);
  harness.emulator.resetCounts();
  const read = await readNumberLog(harness.client, [OURS_2], since, 1);
  expect(read).toMatchObject({ complete: false, calls: 3 });
  expect(read.messages.length).toBeGreaterThanOrEqual(1_000);
  expect(GET(LIST)).toBe(3);
});

test('onStored comes once the messages the webhook missed are stored, before any status is brought up to date (a call goes on then)', async () => {
  const service = harness.fresh();
  const store = service.store({ now });
  const schedule = new ReconcileSchedule(service.gateway, 0, () => now().getTime());
  advance(10 * 60_000);
  const since = new Date(now().getTime() - 1000);
  const handset = '+14155550179';
  const created = await harness.client.messages.create({ from: OURS, to: handset, body: 'Status by the log.' });
  await store.recordOutbound(outboundRecord(handset, 'Status by the log.', { sid: created.sid, status: 'queued', at: now() }));
  for (let i = 0; i < 100 && harness.emulator.messages().find((m) => m.sid === created.sid)?.status !== 'delivered'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  await harness.emulator.simulateInbound({ from: handset, to: OURS, body: 'missed' });
  const events: string[] = [];
  const watched = Object.create(store) as typeof store;
  watched.recordInbound = async (...args) => {
    const outcome = await store.recordInbound(...args);
    events.push(`inbound ${outcome}`);
    return outcome;
  };
  watched.applyStatus = async (...args) => {
    events.push('status');
    return store.applyStatus(...args);
  };
  const { report } = await runReconciliation({ client: harness.client, store: watched, schedule, now }, [OURS], { force: true, since, onStored: () => events.push('onStored') });
  expect(events).toEqual(['inbound stored', 'onStored', 'status']);
  expect(report).toMatchObject({ stored: 1, statusesUpdated: 1, complete: true });
});

test('an outbound message that failed before it was sent (no DateSent) gets its final status from a fetch by SID', async () => {
  const service = harness.fresh();
  const store = service.store({ now });
  const schedule = new ReconcileSchedule(service.gateway, 0, () => now().getTime());
  const handset = '+14155550177';
  harness.emulator.setDeliveryOutcome(handset, { status: 'failed', errorCode: 30007 });
  const created = await harness.client.messages.create({ from: OURS, to: handset, body: 'Your table is ready.' });
  expect(created.status).toBe('queued');
  // The bridge recorded it as Twilio answered the create; its status callbacks never came.
  await store.recordOutbound(outboundRecord(handset, 'Your table is ready.', { sid: created.sid, status: 'queued', at: now() }));
  for (let i = 0; i < 100 && harness.emulator.messages().find((m) => m.sid === created.sid)?.status !== 'failed'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(harness.emulator.messages().find((m) => m.sid === created.sid)).toMatchObject({ status: 'failed', date_sent: null });

  harness.emulator.resetCounts();
  // The first test's messages are before this window (its day's are listed, and left behind).
  advance(10 * 60_000);
  const since = new Date(now().getTime() - 60_000);
  const { report } = await runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true, since });
  expect((await service.thread(OURS, handset)).find((m) => m.sid === created.sid)).toMatchObject({ status: 'failed', errorCode: 30007 });
  expect(report).toMatchObject({ complete: true, statusesUpdated: 1 });
  expect(GET(FETCH)).toBe(1);
  // Settled: the next turn fetches nothing.
  harness.emulator.resetCounts();
  await runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true });
  expect(GET(FETCH)).toBe(0);
  expect(conversationIdFor(OURS, handset)).toBeTruthy();
});

test('the search of the inbox for such messages is made every SEARCH_EVERY_TURNS intervals at most: the turns between read no inbox page', async () => {
  const service = harness.fresh();
  const store = service.store({ now });
  const schedule = new ReconcileSchedule(service.gateway, 60_000, () => now().getTime());
  const inboxPages = () => harness.emulator.requests().filter((r) => r.product === 'sync' && r.method === 'GET' && /\/Maps\/inbox_\d\/Items$/.test(r.path)).length;
  advance(60 * 60_000);
  // A first turn searches (and finds nothing of ours unsettled).
  harness.emulator.resetCounts();
  await runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true, since: new Date(now().getTime() - 60_000) });
  expect(inboxPages()).toBeGreaterThan(0);
  // Then a message fails before it is sent, and its callbacks never come.
  const handset = '+14155550178';
  harness.emulator.setDeliveryOutcome(handset, { status: 'failed', errorCode: 30007 });
  const created = await harness.client.messages.create({ from: OURS, to: handset, body: 'Found later.' });
  await store.recordOutbound(outboundRecord(handset, 'Found later.', { sid: created.sid, status: 'queued', at: now() }));
  for (let i = 0; i < 100 && harness.emulator.messages().find((m) => m.sid === created.sid)?.status !== 'failed'; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  advance(60_000);
  harness.emulator.resetCounts();
  await runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true });
  expect(inboxPages()).toBe(0);
  expect((await service.thread(OURS, handset)).find((m) => m.sid === created.sid)?.status).toBe('queued');
  advance(SEARCH_EVERY_TURNS * 60_000);
  harness.emulator.resetCounts();
  await runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true });
  expect(inboxPages()).toBeGreaterThan(0);
  expect((await service.thread(OURS, handset)).find((m) => m.sid === created.sid)).toMatchObject({ status: 'failed', errorCode: 30007 });
});
