/**
 * Inbound SMS through the real processes: a handset texts → the emulator posts the signed webhook
 * to `twilio-run start` → the Function stores it in (emulated) Sync → the bridge hands it to the
 * assistant once → the reply's status callbacks reach /sms/status.
 */
import twilio from 'twilio';
import { conversationIdFor } from '../../lib/conversation-id';
import { textOf } from '../../scripts/system/bridge-process';
import { startBridge } from '../../scripts/system/bridge-process';
import { eventually, MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const HANDSET = '+14155550100';
let system: System;

beforeAll(async () => {
  system = await startSystem();
});

afterAll(async () => {
  await system?.close();
});

function signedPost(path: string, params: Record<string, string>, options: { token?: string; signature?: string | null; url?: string } = {}) {
  const url = `${system.functions.url}${path}`;
  const signature =
    options.signature === null ? undefined : (options.signature ?? twilio.getExpectedTwilioSignature(options.token ?? system.emulator.authToken, options.url ?? url, params));
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(signature ? { 'X-Twilio-Signature': signature } : {}) },
    body: new URLSearchParams(params).toString(),
  });
}

function inboundParams(sid: string, from: string, body: string): Record<string, string> {
  return { MessageSid: sid, SmsSid: sid, AccountSid: system.emulator.accountSid, From: from, To: MAGIC_FROM_NUMBER, Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01' };
}

const threadItems = (conversationId: string) =>
  system.twilio.sync.v1.services(system.syncServiceSid).syncLists(`thread_${conversationId}`).syncListItems.list({ pageSize: 100 });

describe('the conversation loop', () => {
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, HANDSET);

  test('a text from a handset is stored and handed to the assistant once', async () => {
    const delivery = await system.emulator.simulateInbound({ from: HANDSET, to: MAGIC_FROM_NUMBER, body: 'Hi, is the shop open today?' });
    expect(delivery.delivered).toBe(true);
    expect(delivery.attempts[0]).toMatchObject({ status: 200 });
    expect(delivery.attempts[0]?.body).toMatch(/<Response\/?>(<\/Response>)?/);

    const listed = await system.bridge.call('list_conversations');
    expect(listed.structuredContent).toMatchObject({ conversations: [{ conversationId, theirNumber: HANDSET, unreadCount: 1, messageCount: 1 }] });

    const first = await system.bridge.call('receive_sms');
    expect(first.structuredContent).toEqual({ messages: [{ conversationId, channel: 'sms', sid: delivery.messageSid, from: HANDSET, body: 'Hi, is the shop open today?', media: [], at: expect.any(String) }] });
    expect(textOf(first)).toContain('"Hi, is the shop open today?"');

    const second = await system.bridge.call('receive_sms');
    expect(second.structuredContent).toEqual({ messages: [] });
    expect(textOf(second)).toBe('No new messages.');
  });

  test('the reply is sent, recorded in the thread, and its status callbacks reach /sms/status', async () => {
    // A bridge that does not wait: the thread's status can then only advance through callbacks.
    const quick = await startBridge(system.bridgeEnv({ SEND_WAIT_SECONDS: '0' }));
    try {
      const sent = await quick.call('send_sms', { to: HANDSET, body: 'Yes, open until 6pm.' });
      expect(sent.structuredContent).toMatchObject({ outcome: 'sent', conversationId });
      const sid = sent.structuredContent?.sid;
      const thread = await eventually(async () => {
        const result = await system.bridge.call('get_conversation', { conversationId });
        const messages = (result.structuredContent?.messages ?? []) as { sid: string; status: string }[];
        return messages.find((m) => m.sid === sid)?.status === 'delivered' ? result : null;
      });
      expect(thread.structuredContent).toMatchObject({
        conversationId,
        theirNumber: HANDSET,
        messages: [
          { direction: 'inbound', body: 'Hi, is the shop open today?', processed: true },
          { direction: 'outbound', body: 'Yes, open until 6pm.', status: 'delivered', sid },
        ],
        nextBefore: null,
      });
      expect(textOf(thread)).toMatch(/to \+14155550100 \[delivered\]/);
    } finally {
      await quick.close();
    }
  });

  test('wait_for_reply returns as soon as the answer arrives', async () => {
    const waiting = system.bridge.call('wait_for_reply', { conversationId, timeoutSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 700));
    await system.emulator.simulateInbound({ from: HANDSET, to: MAGIC_FROM_NUMBER, body: 'Great, thanks!' });
    const result = await waiting;
    expect(result.structuredContent).toMatchObject({ timedOut: false, messages: [{ conversationId, body: 'Great, thanks!' }] });
    const timeout = await system.bridge.call('wait_for_reply', { conversationId, timeoutSeconds: 1 });
    expect(timeout.structuredContent).toEqual({ timedOut: true, messages: [], waitedSeconds: 1 });
    expect(textOf(timeout)).toBe(`No reply yet: waited 1 s, nothing new in ${conversationId}. Call wait_for_reply again to keep waiting, or tell the user.`);
  });

  test('MMS media URLs and content types are kept', async () => {
    const media = [
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME1', contentType: 'image/jpeg' },
      { url: 'https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME2', contentType: 'application/pdf' },
    ];
    await system.emulator.simulateInbound({ from: '+14155550109', to: MAGIC_FROM_NUMBER, body: 'photo', media });
    const result = await system.bridge.call('receive_sms', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, '+14155550109') });
    // Twilio re-hosts inbound media: the webhook carries its own Media resource URLs.
    const hosted = media.map((item) => ({ contentType: item.contentType, url: expect.stringMatching(/^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/AC[0-9a-f]{32}\/Messages\/(SM|MM)[0-9a-f]{32}\/Media\/ME[0-9a-f]{32}$/) }));
    expect(result.structuredContent).toMatchObject({ messages: [{ body: 'photo', media: hosted }] });
    // The text alone names each item as get_media takes it: LibreChat shows the model nothing else.
    const text = textOf(result);
    for (const [i, item] of (result.structuredContent as { messages: { media: { url: string; contentType: string }[] }[] }).messages[0]!.media.entries()) {
      expect(text).toContain(`media ${i + 1} (${item.contentType}, open with get_media): ${item.url}`);
    }
  });
});

describe('webhook security and idempotence', () => {
  test.each([
    ['unsigned', { signature: null }],
    ['forged', { signature: 'bm90IGEgc2lnbmF0dXJl' }],
    ['signed with another account token', { token: 'f'.repeat(32) }],
    ['signed for another URL', { url: 'https://evil.example.com/sms/incoming' }],
  ])('%s webhooks are refused with 403 and nothing is stored', async (_name, options) => {
    const from = '+14155550150';
    const response = await signedPost('/sms/incoming', inboundParams(`SM${'1'.repeat(32)}`, from, 'forged'), options);
    expect(response.status).toBe(403);
    expect(await threadItems(conversationIdFor(MAGIC_FROM_NUMBER, from)).catch(() => [])).toHaveLength(0);
  });

  test('a valid signature replayed with an altered body is refused', async () => {
    const params = inboundParams(`SM${'2'.repeat(32)}`, '+14155550151', 'original');
    const signature = twilio.getExpectedTwilioSignature(system.emulator.authToken, `${system.functions.url}/sms/incoming`, params);
    const response = await signedPost('/sms/incoming', { ...params, Body: 'altered' }, { signature });
    expect(response.status).toBe(403);
  });

  test('the same webhook delivered twice is stored once', async () => {
    const from = '+14155550152';
    const params = inboundParams(`SM${'3'.repeat(32)}`, from, 'only once please');
    const [a, b] = [await signedPost('/sms/incoming', params), await signedPost('/sms/incoming', params)];
    expect([a.status, b.status]).toEqual([200, 200]);
    const items = await threadItems(conversationIdFor(MAGIC_FROM_NUMBER, from));
    expect(items).toHaveLength(1);
    const handed = await system.bridge.call('receive_sms', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, from) });
    expect(handed.structuredContent?.messages).toHaveLength(1);
  });

  test('Sync answering 429 and 500 on the first tries still stores the message exactly once', async () => {
    const from = '+14155550153';
    system.emulator.injectFault({ product: 'sync', kind: 429, times: 2 });
    system.emulator.injectFault({ product: 'sync', kind: 500, times: 2 });
    const delivery = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body: 'through the storm', retries: 3 });
    system.emulator.clearFaults();
    expect(delivery.delivered).toBe(true);
    const items = await threadItems(conversationIdFor(MAGIC_FROM_NUMBER, from));
    expect(items.map((item) => (item.data as { body: string }).body)).toEqual(['through the storm']);
  });

  test('a store that keeps failing answers 5xx, never 200', async () => {
    system.emulator.injectFault({ product: 'sync', kind: 503 });
    const delivery = await system.emulator.simulateInbound({ from: '+14155550154', to: MAGIC_FROM_NUMBER, body: 'lost?' });
    system.emulator.clearFaults();
    expect(delivery.delivered).toBe(false);
    expect(delivery.attempts[0]?.status).toBeGreaterThanOrEqual(500);
  });
});

describe('status callbacks', () => {
  test('out-of-order callbacks never move a status backwards', async () => {
    const quick = await startBridge(system.bridgeEnv({ SEND_WAIT_SECONDS: '0', STATUS_CALLBACK_BASE_URL: '' }));
    try {
      const to = '+14155550160';
      const sent = await quick.call('send_sms', { to, body: 'order test' });
      const sid = String(sent.structuredContent?.sid);
      const callback = (status: string) => ({ MessageSid: sid, SmsSid: sid, AccountSid: system.emulator.accountSid, From: MAGIC_FROM_NUMBER, To: to, MessageStatus: status, SmsStatus: status, ApiVersion: '2010-04-01' });
      expect((await signedPost('/sms/status', callback('delivered'))).status).toBe(200);
      expect((await signedPost('/sms/status', callback('sent'))).status).toBe(200);
      expect((await signedPost('/sms/status', callback('sent'), { signature: null })).status).toBe(403);
      const thread = await system.bridge.call('get_conversation', { conversationId: conversationIdFor(MAGIC_FROM_NUMBER, to) });
      expect(thread.structuredContent).toMatchObject({ messages: [{ sid, status: 'delivered' }] });
    } finally {
      await quick.close();
    }
  });
});

describe('tool errors', () => {
  test.each([
    ['get_conversation', { conversationId: 'not-an-id' }, /is not a conversation id/],
    ['get_conversation', { conversationId: 'conv_0000000000000000' }, /No conversation conv_0000000000000000\. Call list_conversations/],
    ['receive_sms', { conversationId: 'conv_0000000000000000' }, /No conversation conv_0000000000000000/],
    ['wait_for_reply', { conversationId: 'conv_zz', timeoutSeconds: 1 }, /is not a conversation id/],
    ['list_conversations', { cursor: 'bogus' }, /cursor is not one list_conversations returned/],
  ])('%s %p is a clear error', async (tool, args, message) => {
    const result = await system.bridge.call(tool, args);
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
  });
});
