/**
 * Sync's 16 KiB per item through the real processes (the emulator refuses past it with 54006, as
 * Twilio does): a number shared by 500 readers, then a handset's text still stored by the Function
 * under `twilio-run start` and counted, and received by a user's bridge (SMS_USER, with the number
 * in 100 users' SMS_USER_NUMBERS); a 1,600-emoji text with 10 media stored whole. The 500 readers
 * take through the store's own code in this process (500 bridge processes would prove nothing
 * more). The emulator's rate limits are off: 500 readers reading one inbox shard at once is Sync's
 * 20 reads/s per object, another limit than the one under test here.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import { inboxShardFor } from '../../lib/sync-names';
import { textOf } from '../../scripts/system/bridge-process';
import { readerKey } from '../../lib/scope/user-scope';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const HANDSET = '+14155550100';
let system: System;

beforeAll(async () => {
  system = await startSystem({ emulator: { syncLimits: false } });
}, 60_000);

afterAll(async () => {
  await system?.close();
});

test('500 readers on one number, then a text is stored, counted and received by a user of 100 sharing the number', async () => {
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, HANDSET);
  const first = await system.emulator.simulateInbound({ from: HANDSET, to: MAGIC_FROM_NUMBER, body: 'first' });
  expect(first.attempts.at(-1)).toMatchObject({ status: 200 });

  const gateway = new SyncGateway(system.twilio, system.syncServiceSid);
  const stores = Array.from({ length: 500 }, (_, i) => new MessageStore(gateway, { scope: { reader: readerKey(`user${i}@example.com`), numbers: [MAGIC_FROM_NUMBER] } }));
  for (let i = 0; i < stores.length; i += 50) {
    const wave = await Promise.all(stores.slice(i, i + 50).map((store) => store.takeNew(conversationId)));
    expect(wave.map((handover) => handover.messages.map((m) => m.body).join())).toEqual(wave.map(() => 'first'));
  }

  const second = await system.emulator.simulateInbound({ from: HANDSET, to: MAGIC_FROM_NUMBER, body: 'second' });
  expect(second.attempts).toHaveLength(1);
  expect(second.attempts[0]).toMatchObject({ status: 200 });
  const entry = await system.twilio.sync.v1.services(system.syncServiceSid).syncMaps(inboxShardFor(conversationId)).syncMapItems(conversationId).fetch();
  expect(entry.data).toMatchObject({ messageCount: 2, inboundCount: 2 });
  expect(Buffer.byteLength(JSON.stringify(entry.data))).toBeLessThan(2048);

  // user7 is one of the 500 (received 'first'); the number is in 100 users' SMS_USER_NUMBERS.
  const userNumbers = Array.from({ length: 100 }, (_, i) => `user${i}@example.com=${MAGIC_FROM_NUMBER}`).join(',');
  await system.withBridge({ SMS_USER: 'User7@example.com', SMS_USER_NUMBERS: userNumbers }, async (user7) => {
    const listed = await user7.call('list_conversations');
    expect(listed.structuredContent).toMatchObject({ conversations: [{ conversationId, unreadCount: 1, messageCount: 2 }] });
    const received = await user7.call('receive_sms');
    expect((received.structuredContent as { messages: { body: string }[] }).messages.map((m) => m.body)).toEqual(['second']);
    expect(textOf(await user7.call('receive_sms'))).toBe('No new messages.');
  });
}, 120_000);

test('a 1,600-emoji text with 10 media is stored whole and handed over', async () => {
  const body = '😀'.repeat(1600);
  const media = Array.from({ length: 10 }, (_, i) => ({ url: `https://example.com/photo-${i}.jpg`, contentType: 'image/jpeg' }));
  const delivery = await system.emulator.simulateInbound({ from: '+14155550111', to: MAGIC_FROM_NUMBER, body, media });
  expect(delivery.attempts.at(-1)).toMatchObject({ status: 200 });
  const received = await system.bridge.call('receive_sms');
  const messages = (received.structuredContent as { messages: { body: string; media: unknown[]; from: string }[] }).messages.filter((m) => m.from === '+14155550111');
  expect(messages).toHaveLength(1);
  expect(messages[0]!.body).toBe(body);
  expect(messages[0]!.media).toHaveLength(10);
}, 60_000);
