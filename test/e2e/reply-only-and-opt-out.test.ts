/**
 * SEND_POLICY=reply-only and Twilio's own opt-out rules, through the real processes: handsets
 * text through the emulator (its signed webhook to the Functions under twilio-run), Advanced
 * Opt-Out's OptOutType posted as Twilio posts it, the bridge over stdio. Two layers honour a STOP:
 * the bridge refuses before calling Twilio when its store knows of it, and Twilio itself (the
 * emulator's STOP filtering, emulator/opt-outs.ts) refuses the create with 21610 when it does not.
 */
import twilio from 'twilio';
import { conversationIdFor } from '../../lib/conversation-id';
import { createTwilioClient } from '../../lib/twilio-client';
import { textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const MESSAGING_SERVICE = `MG${'2'.repeat(32)}`;
let system: System;
const creates = () => system.messageCreates();
const client = () => createTwilioClient({ accountSid: system.emulator.accountSid, authToken: system.emulator.authToken }, { apiBaseUrl: system.emulator.url });

// The file's sends, a dozen or so in a few seconds, are over the default cap of 10 a minute (SEND_LIMIT_PER_MINUTE).
const withBridge = (env: Record<string, string>, run: (bridge: BridgeProcess) => Promise<void>) => system.withBridge({ SEND_WAIT_SECONDS: '0', SEND_LIMIT_PER_MINUTE: '100', ...env }, run);

async function texts(from: string, body: string) {
  const delivery = await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body });
  expect(delivery.delivered).toBe(true);
}

/** The incoming webhook as Twilio posts it for a Messaging Service with Advanced Opt-Out. */
async function advancedOptOut(from: string, body: string, optOutType: string) {
  const sid = `SM${Date.now().toString(16).padStart(32, '0')}`;
  const params = { MessageSid: sid, SmsSid: sid, AccountSid: system.emulator.accountSid, From: from, To: MAGIC_FROM_NUMBER, Body: body, NumMedia: '0', NumSegments: '1', SmsStatus: 'received', ApiVersion: '2010-04-01', OptOutType: optOutType };
  const url = `${system.functions.url}/sms/incoming`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(system.emulator.authToken, url, params) },
    body: new URLSearchParams(params).toString(),
  });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  // Our number in a Messaging Service's pool, as many accounts have it: a bridge may then send
  // through the service without naming a number.
  system = await startSystem({ emulator: { messagingServices: [{ sid: MESSAGING_SERVICE, phoneNumbers: [MAGIC_FROM_NUMBER] }] } });
}, 60_000);

afterAll(async () => {
  await system?.close();
});

beforeEach(() => system.emulator.resetCounts());

describe('SEND_POLICY=reply-only', () => {
  test('texts only people who texted first; a stranger is refused before Twilio, naming the rule', async () => {
    await texts('+14155550401', 'Is my order ready?');
    await withBridge({ SEND_POLICY: 'reply-only' }, async (bridge) => {
      const stranger = await bridge.call('send_sms', { to: '+14155550402', body: 'Hello from the shop' });
      expect(textOf(stranger)).toMatch(/^\[FINAL\] Not sent: This server only replies to people who texted first \(SEND_POLICY=reply-only\), and \+14155550402 has never texted \+15005550006\./);
      expect(stranger.isError).toBe(true);
      expect(creates()).toBe(0);

      const reply = await bridge.call('send_sms', { to: '+14155550401', body: 'Yes, ready for pick-up.' });
      expect(reply.structuredContent).toMatchObject({ outcome: 'sent' });
      expect(creates()).toBe(1);

      // Our own earlier text does not count as theirs.
      const onlyUs = await bridge.call('send_sms', { to: '+14155550402', body: 'Hello again' });
      expect(onlyUs.structuredContent).toMatchObject({ outcome: 'refused' });
      expect(creates()).toBe(1);
    });
  });

  test('the default (open) texts anyone the other rules allow', async () => {
    await withBridge({}, async (bridge) => {
      expect((await bridge.call('send_sms', { to: '+14155550403', body: 'First contact' })).structuredContent).toMatchObject({ outcome: 'sent' });
    });
  });
});

describe("Twilio's opt-out keywords", () => {
  test.each([['REVOKE', '+14155550411'], ['optout', '+14155550412'], ['Stop.', '+14155550413']])('"%s" alone opts the sender out: refused before Twilio; START opts back in', async (keyword, handset) => {
    await texts(handset, keyword);
    await withBridge({}, async (bridge) => {
      const refused = await bridge.call('send_sms', { to: handset, body: 'Are you there?' });
      expect(textOf(refused)).toMatch(/has opted out \(they replied STOP\)/);
      expect(creates()).toBe(0);
      await texts(handset, 'START');
      expect((await bridge.call('send_sms', { to: handset, body: 'Welcome back' })).structuredContent).toMatchObject({ outcome: 'sent' });
    });
  });

  test('a sentence with a keyword in it, and HELP, change nothing', async () => {
    const handset = '+14155550420';
    await texts(handset, 'Please stop by later');
    await texts(handset, 'HELP');
    await withBridge({}, async (bridge) => {
      expect((await bridge.call('send_sms', { to: handset, body: 'See you later' })).structuredContent).toMatchObject({ outcome: 'sent' });
      const listed = (await bridge.call('list_conversations')).structuredContent as { conversations: { theirNumber: string; optedOut: boolean }[] };
      expect(listed.conversations.find((c) => c.theirNumber === handset)?.optedOut).toBe(false);
    });
  });

  test("with Advanced Opt-Out, the webhook's OptOutType decides, whatever the words", async () => {
    const handset = '+14155550421';
    await advancedOptOut(handset, 'Arrêtez, merci', 'STOP');
    await withBridge({}, async (bridge) => {
      expect(textOf(await bridge.call('send_sms', { to: handset, body: 'Bonjour' }))).toMatch(/has opted out/);
      await advancedOptOut(handset, 'STOP', 'START'); // the service's opt-in word, whatever it is
      expect((await bridge.call('send_sms', { to: handset, body: 'Bonjour encore' })).structuredContent).toMatchObject({ outcome: 'sent' });
      expect(creates()).toBe(1);
    });
  });
});

describe('a STOP is honoured twice: the bridge refuses first, Twilio (21610) behind it', () => {
  /** A handset's text that reaches Twilio but never our store: the number has no SMS URL meanwhile (a missed webhook). */
  async function textsUnheard(from: string, body: string) {
    const [number] = await client().incomingPhoneNumbers.list({ phoneNumber: MAGIC_FROM_NUMBER });
    const { smsUrl, smsMethod } = number!;
    await client().incomingPhoneNumbers(number!.sid).update({ smsUrl: '' });
    try {
      expect((await system.emulator.simulateInbound({ from, to: MAGIC_FROM_NUMBER, body })).delivered).toBe(false);
    } finally {
      await client().incomingPhoneNumbers(number!.sid).update({ smsUrl, smsMethod });
    }
  }

  test('the store knows of the STOP: refused by the bridge, no create reaches Twilio, though Twilio would refuse it too', async () => {
    const handset = '+14155550431';
    await texts(handset, 'STOP');
    await withBridge({}, async (bridge) => {
      const refused = await bridge.call('send_sms', { to: handset, body: 'Are you there?' });
      expect(textOf(refused)).toMatch(/^\[FINAL\] Not sent: \+14155550431 has opted out \(they replied STOP\)\. Twilio will not deliver to them until they text START\./);
      expect(creates()).toBe(0);
    });
    // Twilio's own block stands behind it: a create from anywhere else is refused with 21610.
    await expect(client().messages.create({ to: handset, from: MAGIC_FROM_NUMBER, body: 'Are you there?' })).rejects.toMatchObject({ status: 400, code: 21610 });
  });

  test("the STOP's webhook was missed: the create reaches Twilio, its 21610 comes back in plain words, and the next send is refused before Twilio", async () => {
    const handset = '+14155550432';
    await textsUnheard(handset, 'stop');
    const messages = system.emulator.messages().length;
    await withBridge({ RECONCILE_INTERVAL_SECONDS: '0' }, async (bridge) => {
      const first = await bridge.call('send_sms', { to: handset, body: 'Your order is ready.' });
      expect(creates()).toBe(1);
      expect(first.isError).toBe(true);
      expect(first.structuredContent).toMatchObject({ outcome: 'failed', errorCode: 21610, sid: null });
      expect(textOf(first)).toBe(`[FINAL] SMS to ${handset} failed (Twilio error 21610): Attempt to send to unsubscribed recipient. The recipient replied STOP and has unsubscribed. They must text START before they can receive messages again. Do not retry; tell the user.`);
      expect(system.emulator.messages()).toHaveLength(messages); // Twilio made no message
      // What Twilio said is remembered: the next send stops at the bridge.
      expect(textOf(await bridge.call('send_sms', { to: handset, body: 'Hello?' }))).toMatch(/has opted out \(they replied STOP\)/);
      expect(creates()).toBe(1);
      await texts(handset, 'START');
      expect((await bridge.call('send_sms', { to: handset, body: 'Welcome back' })).structuredContent).toMatchObject({ outcome: 'sent' });
      expect(creates()).toBe(2);
    });
  });

  test("through the Messaging Service, with no number to check: Twilio's 21610 covers the service's whole pool", async () => {
    const handset = '+14155550433';
    await texts(handset, 'QUIT');
    await withBridge({ TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE }, async (bridge) => {
      const refused = await bridge.call('send_sms', { to: handset, body: 'Your order is ready.' });
      expect(creates()).toBe(1);
      expect(refused.structuredContent).toMatchObject({ outcome: 'failed', errorCode: 21610 });
      expect(textOf(refused)).toMatch(/^\[FINAL\] SMS to \+14155550433 failed \(Twilio error 21610\): .*They must text START/);
    });
  });
});

describe('a bridge with only a Messaging Service', () => {
  test('files what it sends in the conversation of the number Twilio picked, where the reply lands', async () => {
    const handset = '+14155550441';
    await withBridge({ TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE }, async (bridge) => {
      const sent = await bridge.call('send_sms', { to: handset, body: 'Your table is ready.' });
      const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
      expect(sent.structuredContent).toMatchObject({ outcome: 'sent', conversationId });
      await texts(handset, 'On my way');
      const thread = (await bridge.call('get_conversation', { conversationId })).structuredContent as { messages: { direction: string; body: string }[] };
      expect(thread.messages.map((m) => [m.direction, m.body])).toEqual([['outbound', 'Your table is ready.'], ['inbound', 'On my way']]);
    });
  });
});
