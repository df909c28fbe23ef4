import {
  InboxEntrySchema,
  MAX_BODY_LENGTH,
  MAX_MEDIA,
  MessageRecordSchema,
  SidEntrySchema,
  type InboxEntry,
  type MessageRecord,
  type SidEntry,
} from '../../lib/message-record';

// Segment counting: test/unit/segments.test.ts.

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
    const expected: SidEntry = { owner: null, claimedAt: 0, index: null, done: false, counted: null, appendUnsure: null, status: null, errorCode: null, statusAt: null };
    expect(SidEntrySchema.parse({})).toEqual(expected);
  });

  test('keeps given values', () => {
    const entry: SidEntry = { owner: 'tok', claimedAt: 5, index: 3, done: true, counted: true, appendUnsure: false, status: 'delivered', errorCode: 30003, statusAt: '2024-01-01T00:00:00.000Z' };
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
