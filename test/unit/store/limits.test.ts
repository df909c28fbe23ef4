/**
 * The store's worst cases against Sync's item limit (16 KiB, 54006; the emulator refuses past it
 * as Twilio does): every item the store writes stays bounded whatever the number of readers,
 * conversations or media. Before named readers' cursors had items of their own, the shared inbox
 * entry grew by some 370 bytes per reader: the 40-odd-th reader's receive failed with 54006.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import { MAX_BODY_LENGTH, MAX_MEDIA, MAX_MEDIA_URL_BYTES, type MessageRecord } from '../../../lib/message-record';
import { type MessageStore } from '../../../lib/store/message-store';
import { unreadCount } from '../../../lib/store/read-cursor';
import { inboxShardFor, threadListName } from '../../../lib/sync-names';
import { parseIncoming } from '../../../lib/webhooks/params';
import { checkSendInput } from '../../../lib/outbound/send-input';
import { readerKey } from '../../../lib/scope/user-scope';
import { inboundRecord, nextSid, OURS, outboundRecord, THEM, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();
const LIMIT = 16 * 1024;

/** Runs `work` over `items`, `width` at a time. */
async function inWaves<T, R>(items: readonly T[], width: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += width) results.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return results;
}

const readers = (count: number, numbers: string[] | null) => Array.from({ length: count }, (_, i) => ({ reader: readerKey(`user${i}@example.com`), numbers }));

async function itemBytes(service: ReturnType<typeof h.fresh>, conversationId: string): Promise<number> {
  const item = await service.gateway.mapGet(inboxShardFor(conversationId), conversationId);
  return Buffer.byteLength(JSON.stringify(item?.data));
}

describe('named readers do not grow the shared inbox entry', () => {
  test('500 readers on one number each receive, then an incoming message is still stored and counted', async () => {
    const service = h.fresh();
    const functions = service.store();
    const id = conversationIdFor(OURS, THEM);
    await functions.recordInbound(inboundRecord(THEM, 'first'));
    const stores = readers(500, [OURS]).map((scope) => service.store({ scope }));

    const taken = await inWaves(stores, Number(process.env.WIDTH ?? 50), (store) => store.takeNew(id));
    expect(taken.every((handover) => handover.messages.map((m) => m.body).join() === 'first')).toBe(true);
    expect(await itemBytes(service, id)).toBeLessThan(2048);

    expect(await functions.recordInbound(inboundRecord(THEM, 'second'))).toBe('stored');
    const entry = (await functions.requireConversation(id)).entry;
    expect([entry.messageCount, entry.inboundCount]).toEqual([2, 2]);
    // Every reader has exactly the new message, and only once.
    const unread = await inWaves(stores, 50, async (store) => unreadCount((await store.requireConversation(id)).entry, store.scope.reader));
    expect(new Set(unread)).toEqual(new Set([1]));
    const again = await inWaves(stores, 50, (store) => store.takeNew(id));
    expect(again.every((handover) => handover.messages.map((m) => m.body).join() === 'second')).toBe(true);
    expect(await itemBytes(service, id)).toBeLessThan(2048);
  }, 60_000);

  test('a number in 100 users\' SMS_USER_NUMBERS: each lists and receives every conversation, counts go on', async () => {
    const service = h.fresh();
    const functions = service.store();
    const theirs = Array.from({ length: 5 }, (_, i) => `+1415555020${i}`);
    for (const them of theirs) await functions.recordInbound(inboundRecord(them, `hi from ${them}`));
    const stores: MessageStore[] = readers(100, [OURS]).map((scope) => service.store({ scope }));

    const lists = await inWaves(stores, 25, (store) => store.listConversations());
    expect(lists.every((list) => list.length === 5 && list.every((entry) => entry.readers !== undefined))).toBe(true);
    const takes = await inWaves(stores, 25, (store) => store.takeAllNew());
    expect(takes.every((handovers) => handovers.length === 5)).toBe(true);

    for (const them of theirs) expect(await functions.recordInbound(inboundRecord(them, 'more'))).toBe('stored');
    for (const them of theirs) {
      expect(await itemBytes(service, conversationIdFor(OURS, them))).toBeLessThan(2048);
      expect((await functions.requireConversation(conversationIdFor(OURS, them))).entry.inboundCount).toBe(2);
    }
    const listed = await stores[99]!.listConversations();
    expect(listed.map((entry) => unreadCount(entry, stores[99]!.scope.reader))).toEqual([1, 1, 1, 1, 1]);
  }, 60_000);

  test('an entry written with legacy readers[key] is still read, and a count drops them once the entry passes 12 KiB', async () => {
    const service = h.fresh();
    const functions = service.store();
    const id = conversationIdFor(OURS, THEM);
    await functions.recordInbound(inboundRecord(THEM, 'one'));
    await functions.recordInbound(inboundRecord(THEM, 'two'));
    const alice = service.store({ scope: { reader: 'u_alice', numbers: null } });
    // As the earlier layout wrote it: alice received 'one' (index 0); 40 others fill the entry.
    const stored = (await service.gateway.mapGet(inboxShardFor(id), id))!;
    const others = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`u_${i}`, { cursorIndex: 1, handedOver: 2, handovers: Array.from({ length: 8 }, () => crypto.randomUUID()) }]));
    await service.gateway.mapUpdate(inboxShardFor(id), id, { ...(stored.data as object), readers: { ...others, u_alice: { cursorIndex: 0, handedOver: 1, handovers: ['legacy'] } } }, stored.revision);
    expect(await itemBytes(service, id)).toBeGreaterThan(12 * 1024);

    expect(unreadCount((await alice.requireConversation(id)).entry, 'u_alice')).toBe(1);
    expect((await alice.takeNew(id)).messages.map((m) => m.body)).toEqual(['two']);
    // The next count drops the legacy cursors (alice's now lives in its own item).
    expect(await functions.recordInbound(inboundRecord(THEM, 'three'))).toBe('stored');
    expect((await functions.requireConversation(id)).entry.readers).toBeUndefined();
    expect((await alice.takeNew(id)).messages.map((m) => m.body)).toEqual(['three']);
  });
});

describe('a message of the largest size Twilio allows fits one thread item', () => {
  const emoji = '😀'.repeat(MAX_BODY_LENGTH);
  const longUrl = (i: number) => `https://example.com/${i}/${'m'.repeat(MAX_MEDIA_URL_BYTES - 'https://example.com/0/'.length)}`;

  test('outbound: a 1,600-emoji body with 10 media URLs of the longest accepted length is stored', async () => {
    const urls = Array.from({ length: MAX_MEDIA }, (_, i) => longUrl(i));
    expect(checkSendInput({ to: THEM, body: emoji, mediaUrl: urls })).toMatchObject({ ok: true });
    const record: MessageRecord = { ...outboundRecord(THEM, emoji), media: urls.map((url) => ({ url, contentType: 'unknown' })) };
    const service = h.fresh();
    const stored = await service.store().recordOutbound(record);
    expect(stored.body).toBe(emoji);
    const item = await service.gateway.listGet(threadListName(conversationIdFor(OURS, THEM)), stored.index);
    expect(Buffer.byteLength(JSON.stringify(item?.data))).toBeLessThanOrEqual(LIMIT);
  });

  test('outbound: a media URL too long to store is refused before anything is sent', () => {
    const urls = Array.from({ length: MAX_MEDIA }, (_, i) => `${longUrl(i)}x`);
    expect(checkSendInput({ to: THEM, body: emoji, mediaUrl: urls })).toMatchObject({ ok: false, reason: expect.stringContaining('shorter link') });
  });

  test.each([
    ['1,600 four-byte emoji', emoji],
    ['1,600 control characters (six bytes each in JSON)', '\u0001'.repeat(MAX_BODY_LENGTH)],
  ])('inbound: %s with 10 Twilio media URLs is stored and counted', async (_name, body) => {
    const sid = nextSid().replace(/^SM/, 'MM');
    const params: Record<string, string> = { MessageSid: sid, AccountSid: `AC${'0'.repeat(32)}`, From: THEM, To: OURS, Body: body, NumMedia: String(MAX_MEDIA) };
    for (let i = 0; i < MAX_MEDIA; i++) {
      params[`MediaUrl${i}`] = `https://api.twilio.com/2010-04-01/Accounts/AC${'0'.repeat(32)}/Messages/${sid}/Media/ME${String(i).padStart(32, '0')}`;
      params[`MediaContentType${i}`] = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
    }
    const parsed = parseIncoming(params, new Date(h.clock));
    if (!parsed.ok) throw new Error(parsed.error);
    const service = h.fresh();
    expect(await service.store().recordInbound(parsed.value)).toBe('stored');
    expect((await service.thread(OURS, THEM))[0]).toMatchObject({ body, media: expect.arrayContaining([expect.objectContaining({ contentType: params.MediaContentType0 })]) });
    expect((await service.entry(OURS, THEM))?.inboundCount).toBe(1);
  });
});
