/**
 * WhatsApp through the same product, end to end: handsets message through the emulator (Twilio's
 * WhatsApp rules, emulator/whatsapp.ts), its signed webhook reaches the Functions under twilio-run,
 * which store every message in Sync; the built bridge over stdio, driven by the MCP SDK's client,
 * sends free-form texts inside the 24-hour window, refuses them outside it before Twilio (naming
 * the approved templates from the Content API), sends templates in and out of it, shows the
 * window in list_conversations and get_conversation, keeps a WhatsApp STOP to WhatsApp, claims no
 * segments, and works through the Sandbox with its join rule.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import { DEFAULT_TEMPLATES, SANDBOX_NUMBER } from '../../emulator/whatsapp';
import { textOf, type BridgeProcess } from '../../scripts/system/bridge-process';
import { eventually, MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';

const OURS = `whatsapp:${MAGIC_FROM_NUMBER}`;
const SANDBOX = `whatsapp:${SANDBOX_NUMBER}`;
const [REMINDER, ORDER, PENDING] = DEFAULT_TEMPLATES.map((t) => t.sid) as [string, string, string];
let system: System;
const creates = () => system.messageCreates();
const withBridge = (env: Record<string, string>, run: (bridge: BridgeProcess) => Promise<void>) =>
  system.withBridge({ TWILIO_WHATSAPP_NUMBER: OURS, SEND_WAIT_SECONDS: '5', SEND_LIMIT_PER_MINUTE: '100', SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '20', ...env }, run);

async function messages(from: string, body: string, to = OURS) {
  const delivery = await system.emulator.simulateInbound({ from, to, body });
  expect(delivery.delivered).toBe(true);
}

beforeAll(async () => {
  system = await startSystem();
}, 60_000);

afterAll(async () => {
  await system?.close();
});

beforeEach(() => system.emulator.resetCounts());

test('an incoming WhatsApp message is stored in its own conversation, marked WhatsApp, and a reply inside the window goes out and is read', async () => {
  const them = 'whatsapp:+14155550100';
  await messages(them, 'Hola');
  const id = conversationIdFor(OURS, them);
  expect(id).not.toBe(conversationIdFor(MAGIC_FROM_NUMBER, '+14155550100')); // the SMS conversation is another one
  await withBridge({}, async (bridge) => {
    const received = await bridge.call('receive_sms', {});
    expect(textOf(received)).toContain(`Conversation ${id} with ${them} (WhatsApp):`);
    expect(received.structuredContent).toMatchObject({ messages: [{ conversationId: id, channel: 'whatsapp', from: them, body: 'Hola' }] });

    const listed = await bridge.call('list_conversations', {});
    expect(textOf(listed)).toMatch(new RegExp(`${id} with whatsapp:\\+14155550100: .* on WhatsApp \\(24-hour window open until \\d{4}-`));
    const entry = (listed.structuredContent as { conversations: { conversationId: string; channel: string; window: { open: boolean; until?: string } }[] }).conversations.find((c) => c.conversationId === id)!;
    expect(entry).toMatchObject({ channel: 'whatsapp', window: { open: true } });
    const closes = Date.parse(entry.window.until!);
    expect(closes).toBeGreaterThan(Date.now() + 23.9 * 3600_000);
    expect(closes).toBeLessThanOrEqual(Date.now() + 24 * 3600_000);

    const sent = await bridge.call('send_sms', { to: them, body: '¡Hola! ¿En qué puedo ayudarte?' });
    expect(textOf(sent)).toMatch(/^\[FINAL\] WhatsApp message sent to whatsapp:\+14155550100 \(SID SM[0-9a-f]{32}\): delivered( and read)?\. Do not send it again\./);
    expect(textOf(sent)).not.toMatch(/segment/i);
    expect(sent.structuredContent).toMatchObject({ outcome: 'sent', channel: 'whatsapp', conversationId: id });
    expect(sent.structuredContent).not.toHaveProperty('segments');
    const [create] = system.emulator.messages().filter((m) => m.sid === (sent.structuredContent as { sid: string }).sid);
    expect(create).toMatchObject({ from: OURS, to: them });

    // Twilio's later `read` status reaches the thread through the status callback.
    const thread = await eventually(async () => {
      const got = await bridge.call('get_conversation', { conversationId: id });
      const view = got.structuredContent as { messages: { direction: string; status: string }[] };
      return view.messages.some((m) => m.direction === 'outbound' && m.status === 'read') ? got : null;
    });
    expect(textOf(thread)).toMatch(/^Conversation conv_[0-9a-f]{16} between whatsapp:\+15005550006 \(us\) and whatsapp:\+14155550100 on WhatsApp \(24-hour window open until/);
    expect(thread.structuredContent).toMatchObject({ channel: 'whatsapp', window: { open: true } });
  });
});

test('outside the window a free-form text is refused before Twilio, naming the approved templates; a template goes, its rendered text stored', async () => {
  const stranger = 'whatsapp:+14155550101';
  await withBridge({}, async (bridge) => {
    const refused = await bridge.call('send_sms', { to: stranger, body: 'Hi, your order is ready' });
    const text = textOf(refused);
    expect(text).toMatch(/^\[FINAL\] Not sent: whatsapp:\+14155550101 has not messaged you on WhatsApp, so no 24-hour window is open\. WhatsApp allows only an approved template now \(Twilio error 63016 otherwise\)\. Send one with contentSid/);
    expect(text).toContain(`appointment_reminder (${REMINDER}, variables 1, 2)`);
    expect(text).toContain(`order_update (${ORDER}`);
    expect(text).not.toContain(PENDING); // not approved
    expect(refused.isError).toBe(true);
    expect(creates()).toBe(0);
    expect(system.emulator.count({ product: 'content', route: '/v1/ContentAndApprovals' })).toBe(1);

    const template = await bridge.call('send_sms', { to: stranger, body: '', contentSid: ORDER, contentVariables: JSON.stringify({ 1: 'A-1042' }) });
    expect(template.structuredContent).toMatchObject({ outcome: 'sent', channel: 'whatsapp' });
    expect(creates()).toBe(1);
    const id = (template.structuredContent as { conversationId: string }).conversationId;
    const thread = await bridge.call('get_conversation', { conversationId: id });
    expect(thread.structuredContent).toMatchObject({
      channel: 'whatsapp',
      window: { open: false, closedAt: null },
      messages: [{ direction: 'outbound', body: 'Your order A-1042 has an update. Reply to this message to hear more.' }],
    });
    expect(textOf(thread)).toContain('on WhatsApp (24-hour window not open (they have not written): templates only)');
    // The same template again is the guard's duplicate, not a second message.
    const again = await bridge.call('send_sms', { to: stranger, body: '', contentSid: ORDER, contentVariables: JSON.stringify({ 1: 'A-1042' }) });
    expect(again.structuredContent).toMatchObject({ outcome: 'already_sent' });
    expect(creates()).toBe(1);
  });
});

test('24 hours after their last message the window has closed: the refusal says when; a template still goes', async () => {
  const them = 'whatsapp:+14155550102';
  const yesterday = new Date(Date.now() - 25 * 3600_000).toISOString();
  // A message stored yesterday, as the webhook would have stored it then.
  await new MessageStore(new SyncGateway(system.twilio, system.syncServiceSid)).recordInbound({
    sid: `SM${'7'.repeat(32)}`, direction: 'inbound', from: them, to: OURS, body: 'See you tomorrow', media: [], numSegments: 1,
    status: 'received', errorCode: null, createdAt: yesterday, statusAt: yesterday, processed: false,
  });
  await withBridge({}, async (bridge) => {
    const refused = await bridge.call('send_sms', { to: them, body: 'Good morning!' });
    const closedAt = new Date(Date.parse(yesterday) + 24 * 3600_000 - 2 * 60_000).toISOString();
    expect(textOf(refused)).toContain(`[FINAL] Not sent: The 24-hour WhatsApp window with ${them} closed at ${closedAt} (24 hours after their last message).`);
    expect(creates()).toBe(0);
    const listed = await bridge.call('list_conversations', {});
    expect(textOf(listed)).toContain(`on WhatsApp (24-hour window closed at ${closedAt}: templates only)`);
    const template = await bridge.call('send_sms', { to: them, body: '', contentSid: REMINDER, contentVariables: JSON.stringify({ 1: 'Ana', 2: 'Friday' }) });
    expect(template.structuredContent).toMatchObject({ outcome: 'sent' });
  });
});

test('STOP on WhatsApp opts them out of WhatsApp only, in the bridge (Twilio does not block it); SMS to the same number still goes', async () => {
  const number = '+14155550103';
  await messages(`whatsapp:${number}`, 'STOP');
  await withBridge({}, async (bridge) => {
    const refused = await bridge.call('send_sms', { to: `whatsapp:${number}`, body: 'Are you sure?' });
    expect(textOf(refused)).toMatch(/^\[FINAL\] Not sent: whatsapp:\+14155550103 has opted out on WhatsApp \(they replied STOP\)/);
    expect(creates()).toBe(0);
    const listed = await bridge.call('list_conversations', {});
    expect(textOf(listed)).toMatch(/with whatsapp:\+14155550103: .*OPTED OUT/);
    const sms = await bridge.call('send_sms', { to: number, body: 'A text by SMS' });
    expect(sms.structuredContent).toMatchObject({ outcome: 'sent', channel: 'sms' });
    expect(textOf(sms)).toMatch(/^\[FINAL\] SMS sent to/);
  });
});

test('the Sandbox: a handset that has not joined gets 63015 with what to do; after "join <code>" the conversation works', async () => {
  const them = 'whatsapp:+14155550104';
  await withBridge({ TWILIO_WHATSAPP_NUMBER: SANDBOX }, async (bridge) => {
    const failed = await bridge.call('send_sms', { to: them, body: '', contentSid: REMINDER });
    expect(failed.structuredContent).toMatchObject({ outcome: 'failed', errorCode: 63015 });
    expect(textOf(failed)).toMatch(/failed \(SID SM[0-9a-f]{32}\) \(Twilio error 63015\): .*send "join <your sandbox code>" to \+14155238886/);

    await messages(them, 'join shiny-owl', SANDBOX);
    const reply = await bridge.call('send_sms', { to: them, body: 'Welcome to the demo!' });
    expect(reply.structuredContent).toMatchObject({ outcome: 'sent', conversationId: conversationIdFor(SANDBOX, them) });
  });
});

test('a WhatsApp message whose webhook was missed comes in through reconciliation, window and all', async () => {
  const them = 'whatsapp:+14155550106';
  const [number] = await system.twilio.incomingPhoneNumbers.list({ phoneNumber: MAGIC_FROM_NUMBER });
  const smsUrl = number!.smsUrl;
  await system.twilio.incomingPhoneNumbers(number!.sid).update({ smsUrl: 'http://127.0.0.1:9/sms/incoming' });
  try {
    expect((await system.emulator.simulateInbound({ from: them, to: OURS, body: 'Are you open?' })).delivered).toBe(false);
  } finally {
    await system.twilio.incomingPhoneNumbers(number!.sid).update({ smsUrl });
  }
  // Due at once: the schedule (in Sync) would otherwise wait out the interval an earlier bridge started.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await withBridge({ RECONCILE_INTERVAL_SECONDS: '1' }, async (bridge) => {
    const received = await bridge.call('receive_sms', {});
    expect(received.structuredContent).toMatchObject({ messages: expect.arrayContaining([expect.objectContaining({ channel: 'whatsapp', from: them, body: 'Are you open?' })]) });
    const reply = await bridge.call('send_sms', { to: them, body: 'Yes, until 6pm.' });
    expect(reply.structuredContent).toMatchObject({ outcome: 'sent', conversationId: conversationIdFor(OURS, them) });
  });
});

test('through a Messaging Service that picks the sender, free-form WhatsApp is refused (the window cannot be known); a template goes', async () => {
  const service = `MG${'5'.repeat(32)}`;
  const local = await startSystem({ emulator: { messagingServices: [{ sid: service, phoneNumbers: [MAGIC_FROM_NUMBER] }] } });
  try {
    await local.withBridge({ TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: service, SEND_WAIT_SECONDS: '5' }, async (bridge) => {
      const refused = await bridge.call('send_sms', { to: 'whatsapp:+14155550107', body: 'Hi' });
      expect(textOf(refused)).toMatch(/^\[FINAL\] Not sent: Whether the 24-hour WhatsApp window is open cannot be checked while the Messaging Service picks the WhatsApp sender/);
      const template = await bridge.call('send_sms', { to: 'whatsapp:+14155550107', body: '', contentSid: REMINDER });
      expect(template.structuredContent).toMatchObject({ outcome: 'sent', channel: 'whatsapp', conversationId: conversationIdFor(OURS, 'whatsapp:+14155550107') });
    });
  } finally {
    await local.close();
  }
}, 60_000);

test.each([
  [63024, 'whatsapp:+14155550108', /Not a valid WhatsApp recipient/],
  [63014, 'whatsapp:+14155550109', /blocked this WhatsApp business/],
])('Twilio failing a WhatsApp message with %i reads in plain words', async (code, them, hint) => {
  await messages(them, 'Hi');
  system.emulator.setDeliveryOutcome(them, { status: 'failed', errorCode: code });
  await withBridge({}, async (bridge) => {
    const failed = await bridge.call('send_sms', { to: them, body: 'Hello' });
    expect(failed.structuredContent).toMatchObject({ outcome: 'failed', errorCode: code, channel: 'whatsapp' });
    expect(textOf(failed)).toMatch(new RegExp(`^\\[FINAL\\] WhatsApp message to ${them.replace('+', '\\+')} failed \\(SID SM[0-9a-f]{32}\\) \\(Twilio error ${code}\\): `));
    expect(textOf(failed)).toMatch(hint);
  });
});

test('confirmation mode: a template is previewed, then sent with the same template, variables and token', async () => {
  const them = 'whatsapp:+14155550110';
  await withBridge({ SEND_CONFIRMATION: 'true' }, async (bridge) => {
    const args = { to: them, body: '', contentSid: REMINDER, contentVariables: JSON.stringify({ 1: 'Ana', 2: 'Friday' }) };
    const preview = await bridge.call('send_sms', args);
    expect(textOf(preview)).toMatch(/^\[PREVIEW, NOT SENT\] To whatsapp:\+14155550110: .* same to, body \(and contentSid, contentVariables\) and confirmationToken "/);
    const token = (preview.structuredContent as { confirmationToken: string }).confirmationToken;
    const other = await bridge.call('send_sms', { ...args, contentVariables: JSON.stringify({ 1: 'Bob', 2: 'Friday' }), confirmationToken: token });
    expect(other.structuredContent).toMatchObject({ outcome: 'refused' }); // another message than the one approved
    const sent = await bridge.call('send_sms', { ...args, confirmationToken: token });
    expect(sent.structuredContent).toMatchObject({ outcome: 'sent', channel: 'whatsapp' });
    expect(creates()).toBe(1);
  });
});

test('a WhatsApp recipient without a WhatsApp sender is refused, saying what to set', async () => {
  await system.withBridge({ SEND_WAIT_SECONDS: '0' }, async (bridge) => {
    const refused = await bridge.call('send_sms', { to: 'whatsapp:+14155550105', body: 'Hi' });
    expect(textOf(refused)).toMatch(/^\[FINAL\] Not sent: No WhatsApp sender is set up for you: the administrator must set TWILIO_WHATSAPP_NUMBER/);
    expect(creates()).toBe(0);
  });
});
