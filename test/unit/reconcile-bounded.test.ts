/**
 * Reconciliation against the in-process emulator, whose DateSent filters apply to whole GMT days:
 * a window of more than 5,000 messages completes over successive turns, each message stored once;
 * and an outbound message that failed before it was sent (no DateSent, so no DateSent>= read lists
 * it) gets its final status from the store's own records, fetched by SID.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import { runReconciliation } from '../../lib/reconcile/run';
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

test('a window of 5,520 messages completes in two turns of at most 5 list calls each, every message of ours stored once, in order', async () => {
  const service = harness.fresh();
  const store = service.store({ now });
  const schedule = new ReconcileSchedule(service.gateway, 0, () => now().getTime());
  const turn = () => runReconciliation({ client: harness.client, store, schedule, now }, [OURS], { force: true });
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
