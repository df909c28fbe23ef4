/**
 * SEND_POLICY=reply-only and Twilio's own opt-out rules, through the real processes: handsets
 * text through the emulator (its signed webhook to the Functions under twilio-run), Advanced
 * Opt-Out's OptOutType posted as Twilio posts it, the bridge over stdio.
 */
import twilio from 'twilio';
import { textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

let system: System;
const creates = () => system.messageCreates();

const withBridge = (env: Record<string, string>, run: (bridge: BridgeProcess) => Promise<void>) => system.withBridge({ SEND_WAIT_SECONDS: '0', ...env }, run);

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
  system = await startSystem();
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
