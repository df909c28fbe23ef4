/**
 * WhatsApp's rules in the product (lib/whatsapp.ts): addresses that are not assumed to be phone
 * numbers, conversation ids with the channel in them, the 24-hour window, template variables;
 * the inbox entry's lastInboundAt; the templates named in a refusal.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import { maskPhone } from '../../lib/mask';
import { newInboxEntry } from '../../lib/store/inbox';
import { bareAddress, channelOf, checkContentVariables, checkRecipientAddress, describeWindow, phoneNumberOf, WINDOW_MARGIN_MS, WINDOW_MS, windowAt } from '../../lib/whatsapp';
import { loadConfig } from '../../mcp-bridge/src/hosts/env-config';
import { describeTemplates } from '../../lib/outbound/templates';
import { parseUserNumbers } from '../../lib/scope/user-scope';

test.each<[string, 'sms' | 'whatsapp', string, string | null]>([
  ['+14155550100', 'sms', '+14155550100', '+14155550100'],
  ['whatsapp:+14155550100', 'whatsapp', '+14155550100', '+14155550100'],
  // A username or business-scoped id (Meta, 2026): stored as given, never read as a number.
  ['whatsapp:alice.example', 'whatsapp', 'alice.example', null],
  ['whatsapp:US.1234567890abcdef', 'whatsapp', 'US.1234567890abcdef', null],
])('%s is %s, identifier %s, phone number %s', (address, channel, bare, phone) => {
  expect(channelOf(address)).toBe(channel);
  expect(bareAddress(address)).toBe(bare);
  expect(phoneNumberOf(address)).toBe(phone);
});

test('send recipients: E.164 for SMS, whatsapp:+E.164 for WhatsApp; a username cannot be texted', () => {
  expect(checkRecipientAddress(' whatsapp:+14155550100 ')).toEqual({ ok: true, address: 'whatsapp:+14155550100', channel: 'whatsapp', phone: '+14155550100' });
  expect(checkRecipientAddress('+14155550100')).toEqual({ ok: true, address: '+14155550100', channel: 'sms', phone: '+14155550100' });
  const username = checkRecipientAddress('whatsapp:alice.example');
  expect(username.ok).toBe(false);
});

test('a conversation is our address and theirs, channel included; SMS ids are unchanged', () => {
  expect(conversationIdFor('+15005550006', '+14155550100')).toBe(conversationIdFor('+15005550006', '+14155550100'));
  expect(conversationIdFor('whatsapp:+15005550006', 'whatsapp:+14155550100')).not.toBe(conversationIdFor('+15005550006', '+14155550100'));
  // The SMS id is the hash of the two numbers exactly as before WhatsApp.
  expect(conversationIdFor('+15005550006', '+14155550100')).toMatch(/^conv_[0-9a-f]{16}$/);
});

describe('the 24-hour window', () => {
  const last = '2026-12-01T10:00:00.000Z';
  const closes = new Date(Date.parse(last) + WINDOW_MS - WINDOW_MARGIN_MS).toISOString();
  test.each<[string, string | undefined, string, ReturnType<typeof windowAt>]>([
    ['never written', undefined, '2026-12-01T10:00:00Z', { open: false, closedAt: null }],
    ['a minute later', last, '2026-12-01T10:01:00Z', { open: true, until: closes }],
    ['just before the margin', last, new Date(Date.parse(closes) - 1).toISOString(), { open: true, until: closes }],
    // Two minutes short of 24 hours: closed, so Twilio's own 24 hours (from its receipt, a little earlier) are never crossed.
    ['at the margin', last, closes, { open: false, closedAt: closes }],
    ['a day later', last, '2026-12-02T10:00:01Z', { open: false, closedAt: closes }],
  ])('%s', (_label, lastInboundAt, now, expected) => {
    expect(windowAt(lastInboundAt, new Date(now))).toEqual(expected);
  });

  test('in words', () => {
    expect(describeWindow({ open: true, until: closes })).toBe(`24-hour window open until ${closes}`);
    expect(describeWindow({ open: false, closedAt: closes })).toBe(`24-hour window closed at ${closes}: templates only`);
    expect(describeWindow({ open: false, closedAt: null })).toBe('24-hour window not open (they have not written): templates only');
  });
});

test('ContentVariables as Twilio takes them', () => {
  expect(checkContentVariables('{"1":"Ana","name":"x"}')).toEqual({ ok: true });
  expect(checkContentVariables('nope')).toMatchObject({ ok: false });
  expect(checkContentVariables('{"1":null}')).toMatchObject({ ok: false, reason: expect.stringMatching(/21656/) });
  expect(checkContentVariables(JSON.stringify(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [String(i), 'x']))))).toMatchObject({ ok: false, reason: expect.stringMatching(/at most 100/) });
  expect(checkContentVariables(JSON.stringify({ a_very_long_variable_name: 'x' }))).toMatchObject({ ok: false, reason: expect.stringMatching(/16 characters/) });
  expect(checkContentVariables(JSON.stringify({ 1: 'x'.repeat(256) }))).toMatchObject({ ok: false, reason: expect.stringMatching(/at most 255/) });
});

test('a new inbox entry has no lastInboundAt until their first message', () => {
  const entry = newInboxEntry({ conversationId: 'conv_0000000000000000', ourNumber: 'whatsapp:+15005550006', theirNumber: 'whatsapp:+14155550100', at: '2026-12-01T10:00:00Z', direction: 'outbound' });
  expect(entry.lastInboundAt).toBeUndefined();
});

test('templates in a refusal: name, sid, variables, the start of the text; a few, then a count', () => {
  const t = (n: number) => ({ sid: `HX${String(n).repeat(32)}`, name: `t${n}`, body: `Hello {{1}} ${'x'.repeat(100)}`, variables: ['1'] });
  const text = describeTemplates([1, 2, 3, 4, 5, 6, 7].map(t));
  expect(text).toMatch(/^t1 \(HX1{32}, variables 1\): "Hello \{\{1\}\} x+…"; t2/);
  expect(text).toMatch(/; and 2 more$/);
});

test('logs mask a WhatsApp number but keep its channel', () => {
  expect(maskPhone('whatsapp:+14155550100', { logPii: false })).toBe('whatsapp:+1••••••••00');
});

describe('settings', () => {
  const base = { TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'token' };

  test('TWILIO_WHATSAPP_NUMBER, with or without the prefix; a one-person bridge reads both of its senders', () => {
    for (const given of ['whatsapp:+14155238886', '+14155238886', ' whatsapp:+14155238886 ']) {
      const loaded = loadConfig({ ...base, TWILIO_PHONE_NUMBER: '+15005550006', TWILIO_WHATSAPP_NUMBER: given });
      if (!loaded.ok) throw new Error(loaded.error);
      expect(loaded.config.sender).toEqual({ phoneNumber: '+15005550006', whatsappNumber: 'whatsapp:+14155238886' });
      expect(loaded.config.scope).toMatchObject({ ok: true, numbers: ['+15005550006', 'whatsapp:+14155238886'] });
    }
  });

  test('WhatsApp alone is a usable bridge; a malformed sender names the setting, not its value', () => {
    const alone = loadConfig({ ...base, TWILIO_WHATSAPP_NUMBER: 'whatsapp:+14155238886' });
    expect(alone.ok && alone.config.scope).toMatchObject({ ok: true, numbers: ['whatsapp:+14155238886'] });
    const bad = loadConfig({ ...base, TWILIO_PHONE_NUMBER: '+15005550006', TWILIO_WHATSAPP_NUMBER: 'whatsapp:4155238886' });
    expect(bad.ok ? '' : bad.error).toMatch(/^TWILIO_WHATSAPP_NUMBER is not usable/);
  });

  test('SMS_USER_NUMBERS gives a user a WhatsApp sender as whatsapp:+E.164', () => {
    const parsed = parseUserNumbers('alice@example.com=whatsapp:+14155550100, alice@example.com=+14155550101');
    expect(parsed.ok && parsed.map.get('alice@example.com')).toEqual(['whatsapp:+14155550100', '+14155550101']);
  });
});
