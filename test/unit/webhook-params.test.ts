import type { MessageRecord } from '../../lib/message-record';
import { parseIncoming, parseStatus, webhookParams, type ParseResult, type StatusUpdate } from '../../lib/webhooks/params';

const AT = new Date('2024-05-01T12:00:00.000Z');
const SID = `SM${'0123456789abcdef'.repeat(2)}`;
const MMS_SID = `MM${'abcdef0123456789'.repeat(2)}`;

const incoming: Record<string, string> = {
  MessageSid: SID,
  AccountSid: `AC${'a'.repeat(32)}`,
  From: '+447911123456',
  To: '+14155550100',
  Body: 'Hello there',
  NumMedia: '0',
};

/** `incoming` with some parameters changed; undefined removes one. */
function withChange(change: Record<string, string | undefined>): Record<string, string> {
  const merged: Record<string, string | undefined> = { ...incoming, ...change };
  return Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

function errorOf<T>(result: ParseResult<T>): string {
  if (result.ok) throw new Error('expected a parse error');
  return result.error;
}

function valueOf<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new Error(`expected ok, got: ${result.error}`);
  return result.value;
}

describe('webhookParams', () => {
  test('keeps only string parameters and drops twilio-run\'s request', () => {
    const event: Record<string, unknown> = {
      Body: 'hi',
      From: '+447911123456',
      Empty: '',
      request: { headers: { 'x-twilio-signature': 'abc' }, cookies: {} },
      NumMedia: 2,
      flag: true,
      nothing: null,
      missing: undefined,
      list: ['a'],
    };
    expect(webhookParams(event)).toEqual({ Body: 'hi', From: '+447911123456', Empty: '' });
  });

  test('drops request even when it is a string', () => {
    expect(webhookParams({ request: 'x', Body: 'b' })).toEqual({ Body: 'b' });
  });

  test('empty event gives no params', () => {
    expect(webhookParams({})).toEqual({});
  });
});

describe('parseIncoming', () => {
  test('turns a plain SMS into an unprocessed inbound record', () => {
    const expected: MessageRecord = {
      sid: SID,
      direction: 'inbound',
      from: '+447911123456',
      to: '+14155550100',
      body: 'Hello there',
      media: [],
      numSegments: 1,
      status: 'received',
      errorCode: null,
      createdAt: AT.toISOString(),
      statusAt: AT.toISOString(),
      processed: false,
    };
    expect(parseIncoming(incoming, AT)).toEqual({ ok: true, value: expected });
  });

  test('reads two media items with their content types', () => {
    const value = valueOf(parseIncoming({
      ...incoming,
      MessageSid: MMS_SID,
      NumMedia: '2',
      MediaUrl0: 'https://api.twilio.com/media/0',
      MediaContentType0: 'image/jpeg',
      MediaUrl1: 'https://api.twilio.com/media/1',
      MediaContentType1: 'image/png',
    }, AT));
    expect(value.sid).toBe(MMS_SID);
    expect(value.media).toEqual([
      { url: 'https://api.twilio.com/media/0', contentType: 'image/jpeg' },
      { url: 'https://api.twilio.com/media/1', contentType: 'image/png' },
    ]);
  });

  test('a media item without a content type gets application/octet-stream', () => {
    const value = valueOf(parseIncoming({ ...incoming, NumMedia: '1', MediaUrl0: 'https://api.twilio.com/media/0' }, AT));
    expect(value.media).toEqual([{ url: 'https://api.twilio.com/media/0', contentType: 'application/octet-stream' }]);
  });

  test.each<[string, Record<string, string | undefined>, Partial<MessageRecord>]>([
    ['missing Body becomes empty', { Body: undefined }, { body: '', numSegments: 1 }],
    ['missing NumMedia means no media', { NumMedia: undefined }, { media: [] }],
    ['NumSegments from Twilio wins over the local count', { NumSegments: '3' }, { numSegments: 3 }],
    ['segments counted locally when absent', { Body: 'a'.repeat(161) }, { numSegments: 2 }],
  ])('%s', (_label, change, expected) => {
    expect(valueOf(parseIncoming(withChange(change), AT))).toMatchObject(expected);
  });

  test.each<[string, Record<string, string | undefined>, RegExp]>([
    ['missing From', { From: undefined }, /^From: /],
    ['empty From', { From: '' }, /^From: From is required$/],
    ['empty To', { To: '' }, /^To: To is required$/],
    ['missing AccountSid', { AccountSid: undefined }, /^AccountSid: /],
    ['bad MessageSid', { MessageSid: 'SM123' }, /^MessageSid: MessageSid must be SM or MM followed by 32 hex digits$/],
    ['MessageSid with another prefix', { MessageSid: `AC${'0'.repeat(32)}` }, /^MessageSid: /],
    ['MessageSid with uppercase hex', { MessageSid: `SM${'A'.repeat(32)}` }, /^MessageSid: /],
    ['NumMedia larger than the MediaUrl params', { NumMedia: '2', MediaUrl0: 'https://api.twilio.com/media/0' }, /NumMedia names more MediaUrl parameters than were sent/],
    ['NumMedia above 10', { NumMedia: '11' }, /^NumMedia: /],
    ['negative NumMedia', { NumMedia: '-1' }, /^NumMedia: /],
    ['non-numeric NumMedia', { NumMedia: 'two' }, /^NumMedia: /],
  ])('refuses %s', (_label, change, pattern) => {
    expect(errorOf(parseIncoming(withChange(change), AT))).toMatch(pattern);
  });
});

describe('parseStatus', () => {
  const status: Record<string, string> = {
    MessageSid: SID,
    AccountSid: `AC${'a'.repeat(32)}`,
    From: '+14155550100',
    To: '+447911123456',
    MessageStatus: 'delivered',
  };

  test('reads a delivery receipt', () => {
    const expected: StatusUpdate = { sid: SID, from: '+14155550100', to: '+447911123456', status: 'delivered', errorCode: null, at: AT.toISOString() };
    expect(parseStatus(status, AT)).toEqual({ ok: true, value: expected });
  });

  test.each<[string, number | null]>([
    ['30003', 30003],
    ['30007', 30007],
  ])('reads ErrorCode %j as %s', (ErrorCode, expected) => {
    const value = valueOf(parseStatus({ ...status, MessageStatus: 'undelivered', ErrorCode }, AT));
    expect([value.status, value.errorCode]).toEqual(['undelivered', expected]);
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['unknown status', { MessageStatus: 'lost' }, /^MessageStatus: MessageStatus is not a Twilio message status$/],
    ['status in the wrong case', { MessageStatus: 'Delivered' }, /^MessageStatus: /],
    ['non-numeric ErrorCode', { ErrorCode: 'abc' }, /^ErrorCode: /],
    ['fractional ErrorCode', { ErrorCode: '300.5' }, /^ErrorCode: /],
    ['bad MessageSid', { MessageSid: 'nope' }, /^MessageSid: /],
    ['empty From', { From: '' }, /^From: From is required$/],
  ])('refuses %s', (_label, change, pattern) => {
    expect(errorOf(parseStatus({ ...status, ...change }, AT))).toMatch(pattern);
  });

  test('refuses a callback without MessageStatus', () => {
    const { MessageStatus: _omitted, ...rest } = status;
    expect(errorOf(parseStatus(rest, AT))).toMatch(/^MessageStatus: /);
  });
});

describe('From and To are bounded (issue 22: no oversized item or map key from a forged webhook)', () => {
  const long = `+1${'4'.repeat(63)}`; // 65 characters
  const longest = [`whatsapp:+${'1'.repeat(15)}`, `+${'4'.repeat(63)}`, 'MyBrand1234', '40404'];

  test.each(longest)('accepts the address %j', (address) => {
    expect(valueOf(parseIncoming(withChange({ From: address }), AT)).from).toBe(address);
    expect(valueOf(parseStatus({ ...incoming, To: address, MessageStatus: 'sent' }, AT)).to).toBe(address);
  });

  test.each(['From', 'To'])('refuses a %s of more than 64 characters, incoming and status alike', (name) => {
    expect(errorOf(parseIncoming(withChange({ [name]: long }), AT))).toBe(`${name}: ${name} must be at most 64 characters (a Twilio address: E.164, whatsapp:, a short code or a sender id)`);
    expect(errorOf(parseStatus({ ...incoming, MessageStatus: 'sent', [name]: long }, AT))).toMatch(new RegExp(`^${name}: ${name} must be at most 64 characters`));
  });
});
