/**
 * Bad-input corpus (issue #6, part 1): malformed and borderline input to every tool over the
 * real stdio bridge and to both webhooks under the real `twilio-run start`. Each case gets a clear
 * error or the documented behaviour; a refused input sends nothing (no Message create reached
 * the emulator) and stores nothing (no Sync write); the bridge still answers afterwards.
 */
import { spawn } from 'node:child_process';
import { conversationIdFor } from '../../lib/conversation-id';
import { DEFAULT_ACCOUNT_SID } from '../../emulator';
import { BRIDGE_BIN } from '../support/paths';
import { MAGIC_FROM_NUMBER, startSystem, type System } from '../support/system';
import {
  createdMessages,
  createRequests,
  inboundParams,
  messageSid,
  postWebhook,
  reportFigures,
  statusParams,
  syncWrites,
  textOf,
  type WebhookPost,
} from './support';

// Real processes, retries and timeouts: slower than jest's 5 s default (set here, since a
// project's testTimeout does not apply when jest.config.js runs it as one of its projects).
jest.setTimeout(120_000);

const HANDSET = '+14155550123';
const KNOWN = conversationIdFor(MAGIC_FROM_NUMBER, HANDSET);
const UNKNOWN = 'conv_0123456789abcdef';
const HEX32 = 'a'.repeat(32);
const LONG = 'x'.repeat(100_000);
const EMOJI = '😀';

let system: System;
let casesTried = 0;

beforeAll(async () => {
  system = await startSystem({
    // No status callbacks (they would write to Sync between cases) and no send caps: every
    // accepted case must send exactly once, every refused one not at all. No segment cap either:
    // the length boundaries here are Twilio's 1,600 characters (SEND_MAX_SEGMENTS: e2e/segments).
    bridgeEnv: {
      STATUS_CALLBACK_BASE_URL: '',
      SEND_WAIT_SECONDS: '0',
      SEND_MAX_SEGMENTS: '0',
      SEND_LIMIT_PER_MINUTE: '0',
      SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: '0',
      SEND_LIMIT_PER_HOUR: '0',
      SEND_LIMIT_PER_DAY: '0',
    },
  });
  const seeded = await system.emulator.simulateInbound({ from: HANDSET, to: MAGIC_FROM_NUMBER, body: 'seed' });
  expect(seeded.delivered).toBe(true);
}, 60_000);

afterAll(async () => {
  reportFigures({ suite: 'bad-input', casesTried });
  await system?.close();
});

// ── Tools ─────────────────────────────────────────────────────────────────────────────────────

/**
 * refused: an error result, nothing sent or stored. sent: one message created. failed: Twilio
 * refused the create (a magic number), nothing created. ok: a normal result, nothing sent.
 */
type Expect = 'refused' | 'sent' | 'failed' | 'ok';
type ToolCase = [name: string, tool: string, args: Record<string, unknown>, expect: Expect, reason?: RegExp];

const TYPE_ERROR = /Input validation error|Invalid arguments/;

const send = (to: unknown, body: unknown, extra: Record<string, unknown> = {}) => ({ to, body, ...extra });
let unique = 0;
/** A body no other case uses, so the duplicate guard never hides a second send. */
const fresh = (text = 'hello') => `${text} #${++unique}`;
/** A fresh body of exactly `length` characters. */
const exactly = (length: number) => {
  const head = fresh('a');
  return `${head}${'a'.repeat(length - head.length)}`;
};

const sendCases: ToolCase[] = [
  // "to": malformed and borderline numbers
  ['to without plus', 'send_sms', send('4155550100', fresh()), 'refused', /has no country code/],
  ['to with country code, no plus', 'send_sms', send('14155550100', fresh()), 'refused', /has no country code/],
  ['to with 00 international prefix', 'send_sms', send('0014155550100', fresh()), 'refused', /has no country code/],
  ['to with spaces', 'send_sms', send('+1 415 555 0100', fresh()), 'refused', /without spaces or punctuation: \+14155550100/],
  ['to with dashes', 'send_sms', send('+1-415-555-0100', fresh()), 'refused', /without spaces or punctuation/],
  ['to with parentheses', 'send_sms', send('(415) 555-0100', fresh()), 'refused', /has no country code/],
  ['to with a letter', 'send_sms', send('+1415555010a', fresh()), 'refused', /not an E\.164 number/],
  ['to all letters', 'send_sms', send('abcdefghij', fresh()), 'refused', /has no country code/],
  ['to is a lone plus', 'send_sms', send('+', fresh()), 'refused', /not an E\.164 number/],
  ['to empty', 'send_sms', send('', fresh()), 'refused', /phone number is empty/],
  ['to whitespace only', 'send_sms', send('   ', fresh()), 'refused', /phone number is empty/],
  ['to 16 digits (too long for E.164)', 'send_sms', send('+1415555010012345', fresh()), 'refused', /up to 15 digits/],
  ['to 15 digits, too long for its country', 'send_sms', send('+141555501001234', fresh()), 'refused', /too long|not a valid/],
  ['to 100,000 digits', 'send_sms', send(`+${'1'.repeat(100_000)}`, fresh()), 'refused', /not an E\.164 number/],
  ['to too short', 'send_sms', send('+1415555', fresh()), 'refused', /too short|not a valid/],
  ['to country code only', 'send_sms', send('+1', fresh()), 'refused', /not an E\.164 number/],
  ['to two digits', 'send_sms', send('+12', fresh()), 'refused', /too short|not a valid|does not start with a known country code/],
  ['to starts with +0', 'send_sms', send('+04155550100', fresh()), 'refused', /not an E\.164 number/],
  ['to unknown country code +999', 'send_sms', send('+999123456789', fresh()), 'refused', /does not start with a known country code|not a valid/],
  ['to fictional 555 range', 'send_sms', send('+15551234567', fresh()), 'refused', /not a valid phone number/],
  ['to short code', 'send_sms', send('12345', fresh()), 'refused', /has no country code/],
  ['to short code with plus', 'send_sms', send('+12345', fresh()), 'refused', /too short|not a valid/],
  ['to alphanumeric sender id', 'send_sms', send('TWILIO', fresh()), 'refused', /has no country code/],
  ['to alphanumeric with plus', 'send_sms', send('+MyShop', fresh()), 'refused', /not an E\.164 number/],
  ['to tel: URI', 'send_sms', send('tel:+14155550100', fresh()), 'refused', /has no country code/],
  ['to whatsapp: address, no WhatsApp sender set up', 'send_sms', send('whatsapp:+14155550100', fresh()), 'refused', /No WhatsApp sender is set up for you: the administrator must set TWILIO_WHATSAPP_NUMBER/],
  ['to whatsapp: address without a country code', 'send_sms', send('whatsapp:4155550100', fresh()), 'refused', /has no country code/],
  ['to with extension', 'send_sms', send('+14155550100;ext=12', fresh()), 'refused', /not an E\.164 number|without spaces/],
  ['to fullwidth digits', 'send_sms', send('+１４１５５５５０１００', fresh()), 'refused', /not an E\.164|without spaces/],
  ['to with zero-width space', 'send_sms', send('+1415\u200B5550100', fresh()), 'refused', /not an E\.164|without spaces/],
  ['to with right-to-left override', 'send_sms', send('\u202E+14155550100', fresh()), 'refused', /has no country code/],
  ['to with a newline inside', 'send_sms', send('+1415\n5550100', fresh()), 'refused', /not an E\.164|without spaces/],
  ['to two numbers', 'send_sms', send('+14155550100,+14155550101', fresh()), 'refused', /not an E\.164|without spaces/],
  ['to double plus', 'send_sms', send('++14155550100', fresh()), 'refused', /not an E\.164/],
  ['to magic invalid number (Twilio 21211)', 'send_sms', send('+15005550001', fresh()), 'failed', /21211/],
  ['to magic landline (Twilio 21614)', 'send_sms', send('+15005550009', fresh()), 'failed', /21614/],
  ['to our own number', 'send_sms', send(MAGIC_FROM_NUMBER, fresh()), 'failed', /21266|cannot be the same/],
  // borderline but valid numbers: sent
  ['to with surrounding spaces (trimmed)', 'send_sms', send('  +14155550140  ', fresh()), 'sent'],
  ['to UK mobile', 'send_sms', send('+447911123456', fresh()), 'sent'],
  ['to Kazakhstan (+7 shared code)', 'send_sms', send('+77012345678', fresh()), 'sent'],
  ['to British Virgin Islands (+1 284)', 'send_sms', send('+12844961234', fresh()), 'sent'],
  ['to Ireland (3-digit country code)', 'send_sms', send('+353871234567', fresh()), 'sent'],
  // libphonenumber drops a national trunk 0 written after the country code; the result names the
  // number it went to (+447911123456), so the caller sees the correction.
  ['to UK number with trunk 0 (normalised)', 'send_sms', send('+4407911123457', fresh()), 'sent', /SMS sent to \+447911123457 /],

  // body: empty, whitespace, lengths, Unicode
  ['body empty', 'send_sms', send('+14155550141', ''), 'refused', /body is empty/],
  ['body spaces', 'send_sms', send('+14155550141', '     '), 'refused', /body is empty/],
  ['body newlines and tabs', 'send_sms', send('+14155550141', '\n\t\r\n '), 'refused', /body is empty/],
  ['body no-break spaces', 'send_sms', send('+14155550141', '\u00A0\u3000\u2003'), 'refused', /body is empty/],
  ['body byte-order mark only', 'send_sms', send('+14155550141', '\uFEFF'), 'refused', /body is empty/],
  ['body zero-width spaces only', 'send_sms', send('+14155550141', '\u200B\u200B\u2060'), 'refused', /body is empty/],
  ['body 1,601 characters', 'send_sms', send('+14155550141', 'a'.repeat(1601)), 'refused', /1601 characters; Twilio allows at most 1600/],
  ['body 100,000 characters', 'send_sms', send('+14155550141', LONG), 'refused', /100000 characters/],
  ['body 1,601 emoji', 'send_sms', send('+14155550141', EMOJI.repeat(1601)), 'refused', /1601 characters/],
  ['body NUL character', 'send_sms', send('+14155550141', 'hi\u0000there'), 'refused', /control characters/],
  ['body bell character', 'send_sms', send('+14155550141', 'ding\u0007'), 'refused', /control characters/],
  ['body ANSI escape', 'send_sms', send('+14155550141', '\u001b[31mred\u001b[0m'), 'refused', /control characters/],
  ['body DEL character', 'send_sms', send('+14155550141', 'oops\u007f'), 'refused', /control characters/],
  ['body C1 control (NEL)', 'send_sms', send('+14155550141', 'next\u0085line'), 'refused', /control characters/],
  ['body lone high surrogate', 'send_sms', send('+14155550141', 'broken \uD83D'), 'refused', /unpaired UTF-16 surrogate/],
  ['body lone low surrogate', 'send_sms', send('+14155550141', '\uDE00 broken'), 'refused', /unpaired UTF-16 surrogate/],
  ['body reversed surrogate pair', 'send_sms', send('+14155550141', '\uDE00\uD83D'), 'refused', /unpaired UTF-16 surrogate/],
  ['body exactly 1,600 characters', 'send_sms', send('+14155550142', exactly(1600)), 'sent'],
  ['body exactly 1,600 emoji (UCS-2, 3,200 UTF-16 units)', 'send_sms', send('+14155550143', EMOJI.repeat(1600)), 'sent'],
  ['body 1,599 letters and one emoji', 'send_sms', send('+14155550144', `${'b'.repeat(1599)}${EMOJI}`), 'sent'],
  ['body Cyrillic (UCS-2)', 'send_sms', send('+14155550145', fresh('Привет, как дела?')), 'sent'],
  ['body Chinese (UCS-2)', 'send_sms', send('+14155550145', fresh('你好，今天营业吗？')), 'sent'],
  ['body GSM extension characters', 'send_sms', send('+14155550145', fresh('{[~]}|€^\\')), 'sent'],
  ['body with newlines and tabs', 'send_sms', send('+14155550145', fresh('line one\nline two\ttabbed\r\n')), 'sent'],
  ['body right-to-left text with marks', 'send_sms', send('+14155550145', fresh('\u202Eשלום\u202C')), 'sent'],
  ['body combining characters', 'send_sms', send('+14155550145', fresh('e\u0301\u0301\u0301')), 'sent'],
  ['body skin-tone and ZWJ emoji', 'send_sms', send('+14155550145', fresh('👩🏽‍💻👨‍👩‍👧‍👦')), 'sent'],

  // media
  ['11 media URLs', 'send_sms', send('+14155550146', fresh(), { mediaUrl: Array.from({ length: 11 }, (_, i) => `https://example.com/${i}.png`) }), 'refused', /11 media URLs given; Twilio allows at most 10/],
  ['10 media URLs', 'send_sms', send('+14155550146', fresh(), { mediaUrl: Array.from({ length: 10 }, (_, i) => `https://example.com/${i}.png`) }), 'sent'],
  ['media over http', 'send_sms', send('+14155550146', fresh(), { mediaUrl: ['http://example.com/a.png'] }), 'refused', /not an https URL/],
  ['media javascript: URL', 'send_sms', send('+14155550146', fresh(), { mediaUrl: ['javascript:alert(1)'] }), 'refused', /not an https URL/],
  ['media not a URL', 'send_sms', send('+14155550146', fresh(), { mediaUrl: ['picture.png'] }), 'refused', /not an https URL/],
  ['media empty string', 'send_sms', send('+14155550146', fresh(), { mediaUrl: [''] }), 'refused', /not an https URL/],
  ['media only, empty body', 'send_sms', send('+14155550147', '', { mediaUrl: ['https://example.com/only.png'] }), 'sent'],
  ['media as a string, not a list', 'send_sms', send('+14155550146', fresh(), { mediaUrl: 'https://example.com/a.png' }), 'refused', TYPE_ERROR],
  ['media list of numbers', 'send_sms', send('+14155550146', fresh(), { mediaUrl: [1, 2] }), 'refused', TYPE_ERROR],

  // scheduling without a Messaging Service, and malformed times
  ['sendAt without a Messaging Service', 'send_sms', send('+14155550148', fresh(), { sendAt: new Date(Date.now() + 3_600_000).toISOString() }), 'refused', /needs a Messaging Service/],
  ['sendAt not a time', 'send_sms', send('+14155550148', fresh(), { sendAt: 'tomorrow' }), 'refused', /needs a Messaging Service|not an ISO 8601/],
  ['sendAt as a number', 'send_sms', send('+14155550148', fresh(), { sendAt: 1_900_000_000 }), 'refused', TYPE_ERROR],

  // wrong types, missing and extra fields
  ['to as a number', 'send_sms', send(14155550100, fresh()), 'refused', TYPE_ERROR],
  ['to as a list', 'send_sms', send(['+14155550100'], fresh()), 'refused', TYPE_ERROR],
  ['to null', 'send_sms', send(null, fresh()), 'refused', TYPE_ERROR],
  ['to as an object', 'send_sms', send({ number: '+14155550100' }, fresh()), 'refused', TYPE_ERROR],
  ['body as a number', 'send_sms', send('+14155550149', 42), 'refused', TYPE_ERROR],
  ['body null', 'send_sms', send('+14155550149', null), 'refused', TYPE_ERROR],
  ['body as a list', 'send_sms', send('+14155550149', ['a', 'b']), 'refused', TYPE_ERROR],
  ['body boolean', 'send_sms', send('+14155550149', true), 'refused', TYPE_ERROR],
  ['missing body', 'send_sms', { to: '+14155550149' }, 'refused', TYPE_ERROR],
  ['missing to', 'send_sms', { body: fresh() }, 'refused', TYPE_ERROR],
  ['no arguments', 'send_sms', {}, 'refused', TYPE_ERROR],
  ['confirmation token as a number', 'send_sms', send('+14155550149', fresh(), { confirmationToken: 7 }), 'refused', TYPE_ERROR],
  // Unknown fields are ignored (the SDK strips them): the message goes to `to`, from our number.
  ['extra fields (statusCallback, messagingServiceSid) are ignored', 'send_sms', send('+14155550150', fresh(), { statusCallback: 'https://evil.example.com', messagingServiceSid: `MG${'1'.repeat(32)}`, priority: 'high' }), 'sent'],
  // `from` may only name one of the bridge's own numbers.
  ['from a number that is not ours', 'send_sms', send('+14155550151', fresh(), { from: '+19999999999' }), 'refused', /"\+19999999999" is not one of your Twilio numbers \(\+15005550006\)/],
];

const readCases: ToolCase[] = [
  // receive_sms
  ['receive_sms malformed id', 'receive_sms', { conversationId: 'not-an-id' }, 'refused', /is not a conversation id/],
  ['receive_sms empty id', 'receive_sms', { conversationId: '' }, 'refused', /is not a conversation id/],
  ['receive_sms whitespace id', 'receive_sms', { conversationId: '   ' }, 'refused', /is not a conversation id/],
  ['receive_sms upper-case hex id', 'receive_sms', { conversationId: KNOWN.toUpperCase() }, 'refused', /is not a conversation id/],
  ['receive_sms id too short', 'receive_sms', { conversationId: 'conv_0123' }, 'refused', /is not a conversation id/],
  ['receive_sms id too long', 'receive_sms', { conversationId: `${KNOWN}0` }, 'refused', /is not a conversation id/],
  ['receive_sms id with path characters', 'receive_sms', { conversationId: 'conv_../../inbox_0' }, 'refused', /is not a conversation id/],
  ['receive_sms 100,000-character id', 'receive_sms', { conversationId: LONG }, 'refused', /is not a conversation id/],
  ['receive_sms a phone number as id', 'receive_sms', { conversationId: HANDSET }, 'refused', /is not a conversation id/],
  ['receive_sms unknown id', 'receive_sms', { conversationId: UNKNOWN }, 'refused', /No conversation conv_0123456789abcdef/],
  ['receive_sms id as a number', 'receive_sms', { conversationId: 12345 }, 'refused', TYPE_ERROR],
  ['receive_sms id null', 'receive_sms', { conversationId: null }, 'refused', TYPE_ERROR],
  ['receive_sms known id padded with spaces', 'receive_sms', { conversationId: `  ${KNOWN}  ` }, 'ok'],
  ['receive_sms extra fields are ignored', 'receive_sms', { conversationId: KNOWN, markRead: false, limit: 5 }, 'ok'],

  // list_conversations
  ['list limit 0', 'list_conversations', { limit: 0 }, 'refused', TYPE_ERROR],
  ['list limit negative', 'list_conversations', { limit: -5 }, 'refused', TYPE_ERROR],
  ['list limit 101', 'list_conversations', { limit: 101 }, 'refused', TYPE_ERROR],
  ['list huge limit', 'list_conversations', { limit: 1e12 }, 'refused', TYPE_ERROR],
  ['list limit 1e308', 'list_conversations', { limit: 1e308 }, 'refused', TYPE_ERROR],
  ['list fractional limit', 'list_conversations', { limit: 2.5 }, 'refused', TYPE_ERROR],
  ['list limit as a string', 'list_conversations', { limit: '10' }, 'refused', TYPE_ERROR],
  ['list cursor garbage', 'list_conversations', { cursor: 'bogus!!' }, 'refused', /cursor is not one list_conversations returned/],
  ['list cursor empty', 'list_conversations', { cursor: '' }, 'refused', /cursor is not one list_conversations returned/],
  ['list cursor base64 of an object', 'list_conversations', { cursor: Buffer.from('{"a":1}').toString('base64url') }, 'refused', /cursor is not one/],
  ['list cursor base64 of a short array', 'list_conversations', { cursor: Buffer.from('["x"]').toString('base64url') }, 'refused', /cursor is not one/],
  ['list cursor 100,000 characters', 'list_conversations', { cursor: LONG }, 'refused', /cursor is not one/],
  ['list cursor as a number', 'list_conversations', { cursor: -1 }, 'refused', TYPE_ERROR],
  ['list limit 100 (the maximum)', 'list_conversations', { limit: 100 }, 'ok'],
  ['list extra fields are ignored', 'list_conversations', { limit: 1, order: 'asc', filter: 'x' }, 'ok'],

  // get_conversation
  ['get missing id', 'get_conversation', {}, 'refused', TYPE_ERROR],
  ['get malformed id', 'get_conversation', { conversationId: 'conv_xyz' }, 'refused', /is not a conversation id/],
  ['get unknown id', 'get_conversation', { conversationId: UNKNOWN }, 'refused', /No conversation conv_0123456789abcdef\. Call list_conversations/],
  ['get id as a number', 'get_conversation', { conversationId: 1 }, 'refused', TYPE_ERROR],
  ['get SQL-ish id', 'get_conversation', { conversationId: "conv_' OR 1=1 --" }, 'refused', /is not a conversation id/],
  ['get limit 0', 'get_conversation', { conversationId: KNOWN, limit: 0 }, 'refused', TYPE_ERROR],
  ['get limit 101', 'get_conversation', { conversationId: KNOWN, limit: 101 }, 'refused', TYPE_ERROR],
  ['get huge limit', 'get_conversation', { conversationId: KNOWN, limit: 10_000_000 }, 'refused', TYPE_ERROR],
  ['get negative before', 'get_conversation', { conversationId: KNOWN, before: -1 }, 'refused', TYPE_ERROR],
  ['get very negative before', 'get_conversation', { conversationId: KNOWN, before: -1e9 }, 'refused', TYPE_ERROR],
  ['get fractional before', 'get_conversation', { conversationId: KNOWN, before: 1.5 }, 'refused', TYPE_ERROR],
  ['get before as a string', 'get_conversation', { conversationId: KNOWN, before: '3' }, 'refused', TYPE_ERROR],
  ['get before 0 (nothing older)', 'get_conversation', { conversationId: KNOWN, before: 0 }, 'ok'],
  ['get before far past the end', 'get_conversation', { conversationId: KNOWN, before: 2 ** 31 }, 'ok'],
  ['get limit 1', 'get_conversation', { conversationId: KNOWN, limit: 1 }, 'ok'],

  // wait_for_reply
  ['wait malformed id', 'wait_for_reply', { conversationId: 'conv_zz', timeoutSeconds: 1 }, 'refused', /is not a conversation id/],
  ['wait unknown id', 'wait_for_reply', { conversationId: UNKNOWN, timeoutSeconds: 1 }, 'refused', /No conversation/],
  ['wait timeout 0', 'wait_for_reply', { conversationId: KNOWN, timeoutSeconds: 0 }, 'refused', TYPE_ERROR],
  ['wait timeout negative', 'wait_for_reply', { conversationId: KNOWN, timeoutSeconds: -10 }, 'refused', TYPE_ERROR],
  ['wait timeout over the bound', 'wait_for_reply', { conversationId: KNOWN, timeoutSeconds: 241 }, 'refused', TYPE_ERROR],
  ['wait huge timeout', 'wait_for_reply', { conversationId: KNOWN, timeoutSeconds: 1e9 }, 'refused', TYPE_ERROR],
  ['wait fractional timeout', 'wait_for_reply', { conversationId: KNOWN, timeoutSeconds: 0.5 }, 'refused', TYPE_ERROR],
  ['wait timeout as a string', 'wait_for_reply', { conversationId: KNOWN, timeoutSeconds: '5' }, 'refused', TYPE_ERROR],
  ['wait missing id', 'wait_for_reply', { timeoutSeconds: 1 }, 'refused', TYPE_ERROR],
  ['wait 1 s on a quiet conversation', 'wait_for_reply', { conversationId: KNOWN, timeoutSeconds: 1 }, 'ok'],

  // cancel_scheduled_sms
  ['cancel empty sid', 'cancel_scheduled_sms', { sid: '' }, 'refused', /is not a message SID/],
  ['cancel short sid', 'cancel_scheduled_sms', { sid: 'SM123' }, 'refused', /is not a message SID/],
  ['cancel call sid', 'cancel_scheduled_sms', { sid: `CA${HEX32}` }, 'refused', /is not a message SID/],
  ['cancel upper-case sid', 'cancel_scheduled_sms', { sid: `SM${HEX32.toUpperCase()}` }, 'refused', /is not a message SID/],
  ['cancel sid with a path', 'cancel_scheduled_sms', { sid: `SM${HEX32}/../../Messages` }, 'refused', /is not a message SID/],
  ['cancel 100,000-character sid', 'cancel_scheduled_sms', { sid: LONG }, 'refused', /is not a message SID/],
  ['cancel sid as a number', 'cancel_scheduled_sms', { sid: 42 }, 'refused', TYPE_ERROR],
  ['cancel missing sid', 'cancel_scheduled_sms', {}, 'refused', TYPE_ERROR],
  ['cancel unknown sid', 'cancel_scheduled_sms', { sid: `SM${HEX32}` }, 'refused', /No message SMa{32} in this account/],
  ['cancel unknown MMS sid', 'cancel_scheduled_sms', { sid: `MM${HEX32}` }, 'refused', /No message MMa{32}/],

  // no such tool
  ['unknown tool', 'send_email', { to: 'a@example.com' }, 'refused', /not found|Unknown tool/i],
];

/** Until no Sync write has landed for 150 ms (at most 5 s). */
async function syncQuiet(): Promise<void> {
  for (let last = syncWrites(system.emulator), quietSince = Date.now(), until = Date.now() + 5000; Date.now() < until && Date.now() - quietSince < 150; ) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    const now = syncWrites(system.emulator);
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    }
  }
}

describe('tools: every malformed or borderline input gets a clear answer, and a refusal costs nothing', () => {
  // A rest parameter: jest-each would take a missing trailing column for a `done` callback.
  test.each([...sendCases, ...readCases])('%s', async (...row: ToolCase) => {
    const [, tool, args, expected, reason] = row;
    casesTried += 1;
    // What an earlier accepted call left running (a reconciliation turn's statuses and records go
    // on in the background once its missed messages are stored: reconciler.ts) ends first: the
    // writes counted below are this call's.
    await syncQuiet();
    const before = { creates: createRequests(system.emulator), created: createdMessages(system.emulator), writes: syncWrites(system.emulator) };
    const result = await system.bridge.call(tool, args);
    const text = textOf(result);
    const after = { creates: createRequests(system.emulator), created: createdMessages(system.emulator), writes: syncWrites(system.emulator) };
    if (reason) expect(text).toMatch(reason);
    switch (expected) {
      case 'refused':
        expect(result.isError).toBe(true);
        // send_sms's own refusals are [FINAL]; a schema error comes from the SDK before the tool runs.
        if (tool === 'send_sms' && !TYPE_ERROR.test(text)) expect(text).toMatch(/^\[FINAL\] Not sent: .+ Nothing was sent\./s);
        expect(after.creates - before.creates).toBe(0);
        expect(after.writes - before.writes).toBe(0);
        break;
      case 'failed':
        expect(result.isError).toBe(true);
        expect(text).toMatch(/^\[FINAL\] SMS to .* failed .* Do not retry; tell the user\./s);
        expect(after.creates - before.creates).toBe(1);
        expect(after.created - before.created).toBe(0);
        break;
      case 'sent':
        expect(result.isError).toBeFalsy();
        expect(text).toMatch(/^\[FINAL\] SMS sent to \+\d+ \(SID SM[0-9a-f]{32}\)/);
        expect(after.creates - before.creates).toBe(1);
        expect(after.created - before.created).toBe(1);
        break;
      case 'ok':
        expect(result.isError).toBeFalsy();
        expect(after.creates - before.creates).toBe(0);
        break;
    }
    // No reply quotes a 100,000-character input back in full.
    expect(text.length).toBeLessThan(20_000);
  });

  test('the bodies that were sent reached Twilio unchanged (Unicode intact, nothing trimmed)', () => {
    const bodies = system.emulator.messages().map((message) => message.body);
    expect(bodies).toContain(EMOJI.repeat(1600));
    expect(bodies).toContain(`${'b'.repeat(1599)}${EMOJI}`);
    expect(bodies.some((body) => body.startsWith('line one\nline two\ttabbed\r\n'))).toBe(true);
    expect(bodies.some((body) => body.startsWith('👩🏽‍💻👨‍👩‍👧‍👦'))).toBe(true);
    // The "extra fields" case went to `to` from our number, with our status callback (none here).
    const extra = system.emulator.messages().find((message) => message.to === '+14155550150');
    expect(extra).toMatchObject({ from: MAGIC_FROM_NUMBER });
  });
});

// ── Webhooks ──────────────────────────────────────────────────────────────────────────────────

type HookExpect = { status: number; stored: boolean; reason?: RegExp };
type HookCase = [name: string, path: '/sms/incoming' | '/sms/status', post: () => WebhookPost, expected: HookExpect];

let sidCounter = 0x5000;
let fromCounter = 200;
/** A fresh MessageSid and sender for each case, so a stored case shows up in a thread of its own. */
function incoming(override: Record<string, string | undefined> = {}, post: Partial<WebhookPost> = {}): () => WebhookPost {
  return () => {
    const sid = messageSid(++sidCounter);
    const from = `+1415555${String(++fromCounter).padStart(4, '0')}`;
    const params: Record<string, string> = inboundParams({ sid, accountSid: system.emulator.accountSid, from, to: MAGIC_FROM_NUMBER, body: 'hello' });
    for (const [key, value] of Object.entries(override)) {
      if (value === undefined) delete params[key];
      else params[key] = value;
    }
    return { params, token: system.emulator.authToken, ...post };
  };
}

function media(count: number): Record<string, string> {
  const params: Record<string, string> = { NumMedia: String(count) };
  for (let i = 0; i < count; i++) {
    params[`MediaUrl${i}`] = `https://api.twilio.com/2010-04-01/Accounts/${DEFAULT_ACCOUNT_SID}/Messages/MM${HEX32}/Media/ME${String(i).padStart(32, '0')}`;
    params[`MediaContentType${i}`] = 'image/jpeg';
  }
  return params;
}

function status(override: Record<string, string | undefined> = {}, post: Partial<WebhookPost> = {}): () => WebhookPost {
  return () => {
    const params: Record<string, string> = statusParams({ sid: messageSid(++sidCounter), accountSid: system.emulator.accountSid, from: MAGIC_FROM_NUMBER, to: '+14155550199', status: 'delivered' });
    for (const [key, value] of Object.entries(override)) {
      if (value === undefined) delete params[key];
      else params[key] = value;
    }
    return { params, token: system.emulator.authToken, ...post };
  };
}

const STORED = { status: 200, stored: true };
const BAD = (reason: RegExp) => ({ status: 400, stored: false, reason });
const FORBIDDEN = { status: 403, stored: false, reason: /Forbidden/ };

const hookCases: HookCase[] = [
  // missing and malformed fields
  ['incoming without MessageSid', '/sms/incoming', incoming({ MessageSid: undefined }), BAD(/MessageSid/)],
  ['incoming with a short MessageSid', '/sms/incoming', incoming({ MessageSid: 'SM123' }), BAD(/MessageSid must be SM or MM/)],
  ['incoming with an upper-case MessageSid', '/sms/incoming', incoming({ MessageSid: `SM${HEX32.toUpperCase()}` }), BAD(/MessageSid/)],
  ['incoming with a call SID', '/sms/incoming', incoming({ MessageSid: `CA${HEX32}` }), BAD(/MessageSid/)],
  ['incoming without From', '/sms/incoming', incoming({ From: undefined }), BAD(/From/)],
  ['incoming with empty From', '/sms/incoming', incoming({ From: '' }), BAD(/From/)],
  ['incoming without To', '/sms/incoming', incoming({ To: undefined }), BAD(/To/)],
  ['incoming without AccountSid', '/sms/incoming', incoming({ AccountSid: undefined }), BAD(/AccountSid/)],
  ['incoming with NumMedia 11', '/sms/incoming', incoming(media(11)), BAD(/NumMedia/)],
  ['incoming with NumMedia -1', '/sms/incoming', incoming({ NumMedia: '-1' }), BAD(/NumMedia/)],
  ['incoming with NumMedia "abc"', '/sms/incoming', incoming({ NumMedia: 'abc' }), BAD(/NumMedia/)],
  ['incoming with NumMedia 1.5', '/sms/incoming', incoming({ NumMedia: '1.5' }), BAD(/NumMedia/)],
  ['incoming with NumMedia 2 but one MediaUrl', '/sms/incoming', incoming({ ...media(1), NumMedia: '2' }), BAD(/more MediaUrl parameters than were sent/)],
  ['incoming with NumSegments "x"', '/sms/incoming', incoming({ NumSegments: 'x' }), BAD(/NumSegments/)],
  // Sync can never hold these (16 KiB an item): refused before a claim is written, not retried forever.
  ['incoming body of 100,000 characters', '/sms/incoming', incoming({ Body: LONG }), BAD(/too large to store/)],
  ['incoming media URL of 100,000 characters', '/sms/incoming', incoming({ NumMedia: '1', MediaUrl0: `https://example.com/${LONG}`, MediaContentType0: 'image/png' }), BAD(/too large to store/)],
  // documented behaviour: what Twilio sends is stored as data, whatever it says
  ['incoming with 10 media', '/sms/incoming', incoming(media(10)), STORED],
  ['incoming without Body (MMS only)', '/sms/incoming', incoming({ Body: undefined, ...media(1) }), STORED],
  ['incoming with an empty Body', '/sms/incoming', incoming({ Body: '' }), STORED],
  ['incoming whitespace-only Body', '/sms/incoming', incoming({ Body: ' \n\t ' }), STORED],
  ['incoming body of exactly 1,600 characters', '/sms/incoming', incoming({ Body: 'z'.repeat(1600) }), STORED],
  // Over Twilio's own limit, but signed by Twilio and storable: kept rather than refused (a 4xx
  // would make Twilio drop the message for good).
  ['incoming body of 1,601 characters', '/sms/incoming', incoming({ Body: 'a'.repeat(1601) }), STORED],
  ['incoming body of 1,600 emoji', '/sms/incoming', incoming({ Body: EMOJI.repeat(1600) }), STORED],
  ['incoming body with control characters', '/sms/incoming', incoming({ Body: 'a\u0000b\u0007c\u001b[2J' }), STORED],
  ['incoming body with a lone surrogate', '/sms/incoming', incoming({ Body: 'broken \uD83D here' }), STORED],
  ['incoming from a short code', '/sms/incoming', incoming({ From: '12345' }), STORED],
  ['incoming from an alphanumeric sender', '/sms/incoming', incoming({ From: 'ACMEBANK' }), STORED],
  ['incoming with unknown extra parameters', '/sms/incoming', incoming({ OptOutType: 'STOP', AddOns: '{"status":"successful"}', ReferralNumMedia: '0' }), STORED],
  ['incoming with NumMedia empty', '/sms/incoming', incoming({ NumMedia: '' }), STORED],
  ['incoming with NumSegments empty', '/sms/incoming', incoming({ NumSegments: '' }), STORED],
  // wrong content types and sizes
  ['incoming as JSON, signed over its fields', '/sms/incoming', (): WebhookPost => {
    const base = incoming()();
    return { ...base, contentType: 'application/json', rawBody: JSON.stringify(base.params) };
  }, { status: 415, stored: false, reason: /application\/x-www-form-urlencoded/ }],
  ['incoming as JSON, unsigned', '/sms/incoming', (): WebhookPost => {
    const base = incoming()();
    return { params: base.params, contentType: 'application/json', rawBody: JSON.stringify(base.params) };
  }, FORBIDDEN],
  ['incoming as text/plain, signed over its fields', '/sms/incoming', (): WebhookPost => {
    const base = incoming()();
    return { ...base, contentType: 'text/plain', rawBody: new URLSearchParams(base.params).toString() };
  }, { status: 403, stored: false }],
  ['incoming as text/plain, signed over nothing', '/sms/incoming', (): WebhookPost => {
    const base = incoming()();
    return { ...base, signParams: {}, contentType: 'text/plain', rawBody: new URLSearchParams(base.params).toString() };
  }, { status: 415, stored: false }],
  ['incoming with a 7 MB body', '/sms/incoming', (): WebhookPost => {
    const base = incoming()();
    return { ...base, rawBody: `${new URLSearchParams(base.params).toString()}&Padding=${'p'.repeat(7 * 1024 * 1024)}` };
  }, { status: 413, stored: false }],
  ['incoming with a 1 MB signed unknown parameter', '/sms/incoming', incoming({ Padding: 'p'.repeat(1024 * 1024) }), STORED],
  ['incoming with a repeated Body parameter', '/sms/incoming', (): WebhookPost => {
    const base = incoming()();
    return { ...base, rawBody: `${new URLSearchParams(base.params).toString()}&Body=second` };
  }, FORBIDDEN],
  ['incoming with malformed percent-encoding', '/sms/incoming', (): WebhookPost => {
    const base = incoming()();
    return { ...base, rawBody: `${new URLSearchParams(base.params).toString()}&Extra=%E0%A4%A` };
  }, FORBIDDEN],
  ['incoming as GET (the webhook must be POST)', '/sms/incoming', incoming({}, { method: 'GET' }), FORBIDDEN],
  ['incoming with no parameters at all', '/sms/incoming', (): WebhookPost => ({ params: {}, token: system.emulator.authToken }), BAD(/MessageSid/)],
  ['incoming with no parameters, unsigned', '/sms/incoming', (): WebhookPost => ({ params: {} }), FORBIDDEN],

  // status callbacks
  ['status without MessageStatus', '/sms/status', status({ MessageStatus: undefined }), BAD(/MessageStatus/)],
  ['status with an unknown status', '/sms/status', status({ MessageStatus: 'exploded' }), BAD(/MessageStatus is not a Twilio message status/)],
  ['status with an upper-case status', '/sms/status', status({ MessageStatus: 'DELIVERED' }), BAD(/MessageStatus/)],
  ['status without MessageSid', '/sms/status', status({ MessageSid: undefined }), BAD(/MessageSid/)],
  ['status with a malformed MessageSid', '/sms/status', status({ MessageSid: 'SMnothex' }), BAD(/MessageSid/)],
  ['status without From', '/sms/status', status({ From: undefined }), BAD(/From/)],
  ['status without To', '/sms/status', status({ To: undefined }), BAD(/To/)],
  ['status with ErrorCode "abc"', '/sms/status', status({ ErrorCode: 'abc' }), BAD(/ErrorCode/)],
  ['status with a negative ErrorCode', '/sms/status', status({ ErrorCode: '-1' }), BAD(/ErrorCode/)],
  ['status as JSON, signed over its fields', '/sms/status', (): WebhookPost => {
    const base = status()();
    return { ...base, contentType: 'application/json', rawBody: JSON.stringify(base.params) };
  }, { status: 415, stored: false }],
  ['status unsigned', '/sms/status', status({}, { token: undefined }), FORBIDDEN],
  ['status with a 7 MB body', '/sms/status', (): WebhookPost => {
    const base = status()();
    return { ...base, rawBody: `${new URLSearchParams(base.params).toString()}&Padding=${'p'.repeat(7 * 1024 * 1024)}` };
  }, { status: 413, stored: false }],
  // documented: a callback for a message not recorded yet is kept until the bridge records it
  ['status for a message not recorded yet', '/sms/status', status(), { status: 200, stored: true }],
  ['status with an empty ErrorCode', '/sms/status', status({ ErrorCode: '' }), { status: 200, stored: true }],
];

describe('webhooks: malformed requests are refused before anything is stored', () => {
  test.each(hookCases)('%s', async (...row: HookCase) => {
    const [, path, build, expected] = row;
    casesTried += 1;
    const post = build();
    const writesBefore = syncWrites(system.emulator);
    const answer = await postWebhook(system.functions.url, path, post);
    const writes = syncWrites(system.emulator) - writesBefore;
    expect(answer.status).toBe(expected.status);
    if (expected.reason) expect(answer.body).toMatch(expected.reason);
    if (expected.stored) {
      expect(writes).toBeGreaterThan(0);
      if (path === '/sms/incoming') {
        const params = post.params!;
        const id = conversationIdFor(params.To!, params.From!);
        const items = await system.twilio.sync.v1.services(system.syncServiceSid).syncLists(`thread_${id}`).syncListItems.list({ pageSize: 10 });
        expect(items.map((item) => (item.data as { sid: string }).sid)).toEqual([params.MessageSid]);
      }
    } else {
      expect(writes).toBe(0);
    }
    // A webhook answer never echoes a huge input back.
    expect(answer.body.length).toBeLessThan(2000);
  });
});

// ── The bridge survives all of it ─────────────────────────────────────────────────────────────

describe('the bridge never crashes', () => {
  test('after the corpus it still lists its tools and answers a call', async () => {
    const { tools } = await system.bridge.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['send_sms', 'receive_sms', 'list_conversations', 'get_conversation', 'wait_for_reply', 'cancel_scheduled_sms']));
    const listed = await system.bridge.call('list_conversations', { limit: 5 });
    expect(listed.isError).toBeFalsy();
    expect(system.bridge.stderr()).not.toMatch(/fatal|Unhandled|uncaught|TypeError|RangeError/i);
  });

  test('garbage on stdin (not JSON, wrong shapes, a 5 MB line) is survived, and stdout stays protocol only', async () => {
    const env = { ...system.bridgeEnv(), PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    const child = spawn(process.execPath, [BRIDGE_BIN], { env, stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const garbage = [
      'not json at all',
      '{',
      '[]',
      'null',
      '42',
      '{"jsonrpc":"2.0"}',
      '{"jsonrpc":"1.0","id":1,"method":"tools/list"}',
      '{"jsonrpc":"2.0","id":2,"method":"no/such/method"}',
      '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":"oops"}',
      '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"send_sms","arguments":"not an object"}}',
      '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"send_sms","arguments":{"to":"+14155550100","body":"\\ud800"}}}',
      `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"get_conversation","arguments":{"conversationId":"${'x'.repeat(5 * 1024 * 1024)}"}}}`,
      '\u0000\u0001\u0002\uFFFD binary',
    ];
    casesTried += garbage.length;
    const initialize = { jsonrpc: '2.0', id: 100, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'garbage', version: '1' } } };
    child.stdin.write(`${JSON.stringify(initialize)}\n`);
    for (const line of garbage) child.stdin.write(`${line}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 101, method: 'tools/list' })}\n`);
    const deadline = Date.now() + 20_000;
    while (!stdout.includes('"id":101') && Date.now() < deadline && child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 50));
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
    expect(stdout).toContain('"id":101');
    // Every stdout line is a JSON-RPC message: nothing else ever reaches the protocol stream.
    for (const line of stdout.split('\n').filter(Boolean)) expect(JSON.parse(line)).toMatchObject({ jsonrpc: '2.0' });
    const answers = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id?: number; error?: unknown; result?: { isError?: boolean } });
    expect(answers.find((answer) => answer.id === 2)?.error).toBeDefined();
    expect(answers.find((answer) => answer.id === 5)?.result?.isError).toBe(true);
    expect(stderr).not.toMatch(/fatal|Unhandled|uncaught/i);
  });
});
