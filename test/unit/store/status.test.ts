/**
 * MessageStore.applyStatus in process: a status only moves forward, whatever order Twilio's
 * callbacks come in; a callback before the bridge recorded the message is parked in its sid entry
 * and merged by recordOutbound.
 */
import type { MessageStatus } from '../../../lib/message-status';
import { OURS, ROUTES, THEM, outboundRecord, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
const AT = '2030-01-01T12:05:00.000Z';

const update = (sid: string, status: MessageStatus, errorCode: number | null = null, at = AT) => ({ sid, from: OURS, to: THEM, status, errorCode, at });

describe('a recorded message', () => {
  test('moves forward only: sent, delivered, then a late sent changes nothing', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'hi', { status: 'queued' });
    await store.recordOutbound(record);
    expect(await store.applyStatus(update(record.sid, 'sent'))).toBe('updated');
    expect(await store.applyStatus(update(record.sid, 'delivered', null, '2030-01-01T12:06:00.000Z'))).toBe('updated');
    expect(await store.applyStatus(update(record.sid, 'sent', null, '2030-01-01T12:07:00.000Z'))).toBe('unchanged');
    expect(await store.applyStatus(update(record.sid, 'delivered'))).toBe('unchanged'); // sideways: a repeat
    const [stored] = await service.thread(OURS, THEM);
    expect(stored).toMatchObject({ status: 'delivered', statusAt: '2030-01-01T12:06:00.000Z' });
  });

  test.each<[string, MessageStatus[], MessageStatus]>([
    ['delivered before sent', ['delivered', 'sent', 'queued'], 'delivered'],
    ['sending, then queued', ['sending', 'queued'], 'sending'],
    ['undelivered, then sent', ['undelivered', 'sent'], 'undelivered'],
    ['read after delivered', ['sent', 'delivered', 'read'], 'read'],
  ])('out of order (%s): ends at the furthest status', async (_label, order, final) => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'x', { status: 'accepted' });
    await store.recordOutbound(record);
    for (const status of order) await store.applyStatus(update(record.sid, status));
    expect((await service.thread(OURS, THEM))[0]?.status).toBe(final);
  });

  test('a failure status carries its error code into the thread', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'x');
    await store.recordOutbound(record);
    expect(await store.applyStatus(update(record.sid, 'undelivered', 30003))).toBe('updated');
    expect((await service.thread(OURS, THEM))[0]).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  test('an item update whose answer was lost: the retry meets If-Match 412, re-reads, and finds it applied', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'x');
    await store.recordOutbound(record);
    // The item update's answer is lost after it landed: the retry meets 412, re-reads, finds it done.
    h.fault({ method: 'POST', route: ROUTES.listItemUpdate, kind: 'reset', afterHandling: true, times: 1 });
    expect(await store.applyStatus(update(record.sid, 'delivered'))).toBe('unchanged');
    expect((await service.thread(OURS, THEM))[0]?.status).toBe('delivered');
  });
});

describe('a callback before the outbound record', () => {
  test('is parked, moves forward only while parked, and recordOutbound merges it', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'raced', { status: 'queued' });
    expect(await store.applyStatus(update(record.sid, 'delivered'))).toBe('parked');
    expect(await store.applyStatus(update(record.sid, 'sent'))).toBe('unchanged');
    expect(await service.sidEntry(OURS, THEM, record.sid)).toMatchObject({ index: null, done: false, status: 'delivered', statusAt: AT });
    expect(await service.thread(OURS, THEM)).toHaveLength(0);

    const stored = await store.recordOutbound(record);
    expect(stored).toMatchObject({ sid: record.sid, status: 'delivered', statusAt: AT, index: 0 });
    expect((await service.thread(OURS, THEM))[0]).toMatchObject({ status: 'delivered' });
    expect(await service.sidEntry(OURS, THEM, record.sid)).toMatchObject({ index: 0, done: true });
    // Later callbacks go to the thread item now.
    expect(await store.applyStatus(update(record.sid, 'read'))).toBe('updated');
    expect((await service.thread(OURS, THEM))[0]?.status).toBe('read');
  });

  test('a parked failure keeps its error code through the merge', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'raced', { status: 'queued' });
    expect(await store.applyStatus(update(record.sid, 'sent'))).toBe('parked');
    expect(await store.applyStatus(update(record.sid, 'failed', 30005))).toBe('parked');
    expect(await store.recordOutbound(record)).toMatchObject({ status: 'failed', errorCode: 30005 });
    expect((await service.thread(OURS, THEM))[0]).toMatchObject({ status: 'failed', errorCode: 30005 });
  });

  test('a parked status behind the recorded one is not applied', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'raced', { status: 'delivered' });
    expect(await store.applyStatus(update(record.sid, 'sent'))).toBe('parked');
    expect(await store.recordOutbound(record)).toMatchObject({ status: 'delivered' });
    expect((await service.thread(OURS, THEM))[0]?.status).toBe('delivered');
  });

  test('park: false (reconciliation) leaves nothing behind for an unknown message', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'sent elsewhere');
    expect(await store.applyStatus(update(record.sid, 'delivered'), { park: false })).toBe('unknown');
    expect(await service.sidEntry(OURS, THEM, record.sid)).toBeNull();
    // A parked one is not applied by reconciliation either: it has no thread item yet.
    expect(await store.applyStatus(update(record.sid, 'sent'))).toBe('parked');
    expect(await store.applyStatus(update(record.sid, 'delivered'), { park: false })).toBe('unknown');
    expect((await service.sidEntry(OURS, THEM, record.sid))?.status).toBe('sent');
  });

  test('recordOutbound is counted in the inbox once, as outbound', async () => {
    const service = h.fresh();
    const store = service.store();
    const record = outboundRecord(THEM, 'x');
    await store.applyStatus(update(record.sid, 'sent'));
    await store.recordOutbound(record);
    expect(await service.entry(OURS, THEM)).toMatchObject({ messageCount: 1, inboundCount: 0, lastDirection: 'outbound', lastInboundIndex: -1 });
  });
});
