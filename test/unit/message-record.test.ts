import {
  countSegments,
  InboxEntrySchema,
  MAX_BODY_LENGTH,
  MAX_MEDIA,
  MessageRecordSchema,
  SidEntrySchema,
  type InboxEntry,
  type MessageRecord,
  type SidEntry,
} from '../../lib/message-record';

describe('countSegments', () => {
  test.each([
    ['empty body', '', 1],
    ['1 GSM-7 char', 'a', 1],
    ['160 GSM-7 chars', 'a'.repeat(160), 1],
    ['161 GSM-7 chars', 'a'.repeat(161), 2],
    ['306 GSM-7 chars (2 × 153)', 'a'.repeat(306), 2],
    ['307 GSM-7 chars', 'a'.repeat(307), 3],
    ['GSM-7 accented letters stay GSM-7', 'é'.repeat(160), 1],
    ['GSM-7 Greek capitals stay GSM-7', 'Δ'.repeat(160), 1],
    ['newlines are GSM-7', 'line\n'.repeat(32), 1],
    ['80 euro signs (2 units each = 160)', '€'.repeat(80), 1],
    ['81 euro signs (162 units)', '€'.repeat(81), 2],
    ['159 chars + one extended char (161 units)', `${'a'.repeat(159)}€`, 2],
    ['159 chars + [ (161 units)', `${'a'.repeat(159)}[`, 2],
    ['80 of ^{}\\[~]| mixed count double', '^{}\\[~]|'.repeat(10), 1],
    ['70 Chinese chars (UCS-2)', '中'.repeat(70), 1],
    ['71 Chinese chars', '中'.repeat(71), 2],
    ['134 Chinese chars (2 × 67)', '中'.repeat(134), 2],
    ['135 Chinese chars', '中'.repeat(135), 3],
    ['69 GSM chars + 1 emoji (71 UTF-16 units)', `${'a'.repeat(69)}😀`, 2],
    ['68 GSM chars + 1 emoji (70 UTF-16 units)', `${'a'.repeat(68)}😀`, 1],
    ['35 emoji (70 UTF-16 units)', '😀'.repeat(35), 1],
    ['36 emoji (72 UTF-16 units)', '😀'.repeat(36), 2],
    ['a backtick is not GSM-7', `${'a'.repeat(70)}\``, 2],
  ])('%s → %i', (_label, body, segments) => {
    expect(countSegments(body)).toBe(segments);
  });
});

describe('limits', () => {
  test('match Twilio', () => {
    expect([MAX_BODY_LENGTH, MAX_MEDIA]).toEqual([1600, 10]);
  });
});

const inbox: Omit<InboxEntry, 'optedOut'> = {
  conversationId: 'conv_0123456789abcdef',
  ourNumber: '+14155550100',
  theirNumber: '+447911123456',
  createdAt: '2024-01-01T00:00:00.000Z',
  lastActivityAt: '2024-01-01T00:01:00.000Z',
  lastDirection: 'inbound',
  messageCount: 2,
  inboundCount: 1,
  lastInboundIndex: 1,
  cursorIndex: -1,
  handedOver: 0,
  recentSids: ['SM0123456789abcdef0123456789abcdef'],
};

describe('InboxEntrySchema', () => {
  test('defaults optedOut to false for entries written before it existed', () => {
    expect(InboxEntrySchema.parse(inbox)).toEqual({ ...inbox, optedOut: false });
  });

  test.each([true, false])('keeps optedOut %s', (optedOut) => {
    expect(InboxEntrySchema.parse({ ...inbox, optedOut }).optedOut).toBe(optedOut);
  });

  test.each<[string, Record<string, unknown>]>([
    ['negative messageCount', { messageCount: -1 }],
    ['fractional inboundCount', { inboundCount: 1.5 }],
    ['unknown direction', { lastDirection: 'sideways' }],
    ['recentSids not an array', { recentSids: 'SM1' }],
    ['optedOut as a string', { optedOut: 'yes' }],
    ['missing conversationId', { conversationId: undefined }],
  ])('rejects %s', (_label, change) => {
    expect(InboxEntrySchema.safeParse({ ...inbox, ...change }).success).toBe(false);
  });
});

describe('SidEntrySchema', () => {
  test('fills every field from defaults', () => {
    const expected: SidEntry = { owner: null, claimedAt: 0, index: null, done: false, counted: null, status: null, errorCode: null, statusAt: null };
    expect(SidEntrySchema.parse({})).toEqual(expected);
  });

  test('keeps given values', () => {
    const entry: SidEntry = { owner: 'tok', claimedAt: 5, index: 3, done: true, counted: true, status: 'delivered', errorCode: 30003, statusAt: '2024-01-01T00:00:00.000Z' };
    expect(SidEntrySchema.parse(entry)).toEqual(entry);
  });

  test.each<[string, Record<string, unknown>]>([
    ['unknown status', { status: 'gone' }],
    ['fractional index', { index: 1.5 }],
    ['string errorCode', { errorCode: '30003' }],
  ])('rejects %s', (_label, value) => {
    expect(SidEntrySchema.safeParse(value).success).toBe(false);
  });
});

describe('MessageRecordSchema', () => {
  const record: MessageRecord = {
    sid: 'SM0123456789abcdef0123456789abcdef',
    direction: 'outbound',
    from: '+14155550100',
    to: '+447911123456',
    body: 'hi',
    media: [{ url: 'https://example.com/a.png', contentType: 'image/png' }],
    numSegments: 1,
    status: 'sent',
    errorCode: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    statusAt: '2024-01-01T00:00:00.000Z',
    processed: true,
  };

  test('accepts a full record', () => {
    expect(MessageRecordSchema.parse(record)).toEqual(record);
  });

  test.each<[string, Record<string, unknown>]>([
    ['unknown status', { status: 'lost' }],
    ['negative numSegments', { numSegments: -1 }],
    ['media without contentType', { media: [{ url: 'https://example.com/a.png' }] }],
    ['missing processed', { processed: undefined }],
  ])('rejects %s', (_label, change) => {
    expect(MessageRecordSchema.safeParse({ ...record, ...change }).success).toBe(false);
  });
});
