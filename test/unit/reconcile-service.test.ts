/**
 * Reconciliation of a message a Messaging-Service-only bridge scheduled through a pool of several
 * numbers: filed under the service, logged by Twilio From the number it picked. A missed callback
 * is caught up where the message is filed, as the status callback itself does (status-update.ts).
 */
import type { LoggedMessage } from '../../lib/reconcile/message-log';
import { reconcileMessages } from '../../lib/reconcile/reconcile';
import { ownedBy } from '../../lib/reconcile/run';
import { OURS, THEM, outboundRecord, useStoreHarness } from './support/store-harness';

const h = useStoreHarness();
const SERVICE = `MG${'5'.repeat(32)}`;
const AT = new Date('2030-01-01T12:05:00.000Z');

function loggedOutbound(sid: string, change: Partial<LoggedMessage> = {}): LoggedMessage {
  return { sid, direction: 'outbound-api', from: OURS, to: THEM, body: 'Later', numMedia: 0, numSegments: 1, status: 'delivered', errorCode: null, dateCreated: AT, dateSent: AT, messagingServiceSid: SERVICE, ...change };
}

test("a scheduled send filed under the service: the log's final status reaches it there", async () => {
  const service = h.fresh();
  const store = service.store();
  const record = outboundRecord(THEM, 'Later', { from: SERVICE, status: 'scheduled' });
  await store.recordOutbound(record);
  const result = await reconcileMessages({ store, media: async () => [], now: () => AT }, [loggedOutbound(record.sid)], ownedBy([SERVICE]));
  expect(result.statusesUpdated).toBe(1);
  expect((await service.thread(SERVICE, THEM)).map((m) => [m.sid, m.status])).toEqual([[record.sid, 'delivered']]);
  // Nothing parked or filed under the number Twilio picked.
  expect(await service.thread(OURS, THEM)).toEqual([]);
  expect(await service.sidEntry(OURS, THEM, record.sid)).toBeNull();
});

test('a logged message the bridge never recorded is still left alone (nothing parked)', async () => {
  const service = h.fresh();
  const store = service.store();
  const result = await reconcileMessages({ store, media: async () => [], now: () => AT }, [loggedOutbound(`SM${'9'.repeat(32)}`)], ownedBy([SERVICE]));
  expect(result.statusesUpdated).toBe(0);
  expect(await service.sidEntry(OURS, THEM, `SM${'9'.repeat(32)}`)).toBeNull();
});
