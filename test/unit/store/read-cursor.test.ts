import { type InboxEntry, InboxEntrySchema } from '../../../lib/message-record';
import { parseInboxEntry } from '../../../lib/store/inbox';
import { advanced, cursorOf, hasNewInbound, isVisible, type ReadCursor, unreadCount, WHOLE_SERVICE, withCursor } from '../../../lib/store/read-cursor';

const A = 'u_aaaaaaaaaaaaaaaa';
const B = 'u_bbbbbbbbbbbbbbbb';

const base: InboxEntry = {
  conversationId: 'conv_0123456789abcdef',
  ourNumber: '+14155550100',
  theirNumber: '+447911123456',
  createdAt: '2024-01-01T00:00:00.000Z',
  lastActivityAt: '2024-01-01T00:01:00.000Z',
  lastDirection: 'inbound',
  messageCount: 5,
  inboundCount: 3,
  lastInboundIndex: 4,
  cursorIndex: 2,
  handedOver: 2,
  recentSids: ['SM0123456789abcdef0123456789abcdef'],
  optedOut: false,
};

function entry(change: Partial<InboxEntry> & { handovers?: unknown } = {}): InboxEntry {
  return { ...base, ...change } as InboxEntry;
}

describe('cursorOf', () => {
  test.each<[string, InboxEntry, string | null, ReadCursor]>([
    ['shared reader, no handovers field', entry(), null, { cursorIndex: 2, handedOver: 2, handovers: [] }],
    ['shared reader with handovers', entry({ handovers: ['t1', 't2'] }), null, { cursorIndex: 2, handedOver: 2, handovers: ['t1', 't2'] }],
    ['shared reader, handovers not an array', entry({ handovers: 'oops' }), null, { cursorIndex: 2, handedOver: 2, handovers: [] }],
    ['shared reader, non-string tokens dropped', entry({ handovers: ['t1', 7, null, 't2'] }), null, { cursorIndex: 2, handedOver: 2, handovers: ['t1', 't2'] }],
    ['shared reader ignores readers', entry({ readers: { [A]: { cursorIndex: 4, handedOver: 3, handovers: ['a'] } } }), null, { cursorIndex: 2, handedOver: 2, handovers: [] }],
    ['named reader, no readers at all', entry(), A, { cursorIndex: -1, handedOver: 0, handovers: [] }],
    ['named reader absent from readers', entry({ readers: { [B]: { cursorIndex: 4, handedOver: 3, handovers: ['b'] } } }), A, { cursorIndex: -1, handedOver: 0, handovers: [] }],
    ['named reader present', entry({ readers: { [A]: { cursorIndex: 3, handedOver: 1, handovers: ['a1'] } } }), A, { cursorIndex: 3, handedOver: 1, handovers: ['a1'] }],
    ['named reader without handovers', entry({ readers: { [A]: { cursorIndex: 3, handedOver: 1 } } }), A, { cursorIndex: 3, handedOver: 1, handovers: [] }],
    ['named reader ignores top-level handovers', entry({ handovers: ['shared'], readers: { [A]: { cursorIndex: 0, handedOver: 1 } } }), A, { cursorIndex: 0, handedOver: 1, handovers: [] }],
  ])('%s', (_label, e, reader, expected) => {
    expect(cursorOf(e, reader)).toEqual(expected);
  });
});

describe('withCursor', () => {
  const cursor: ReadCursor = { cursorIndex: 4, handedOver: 3, handovers: ['new'] };

  test('shared reader: top-level fields, readers untouched', () => {
    const readers = { [A]: { cursorIndex: 1, handedOver: 1, handovers: ['a'] } };
    const before = entry({ handovers: ['old'], readers });
    const next = withCursor(before, null, cursor);
    expect(next).toEqual({ ...base, cursorIndex: 4, handedOver: 3, handovers: ['new'], readers });
    expect(cursorOf(next, A)).toEqual({ cursorIndex: 1, handedOver: 1, handovers: ['a'] });
  });

  test('named reader: under readers[key], shared cursor untouched', () => {
    const before = entry({ handovers: ['shared'] });
    const next = withCursor(before, A, cursor);
    expect(next).toEqual({ ...base, handovers: ['shared'], readers: { [A]: cursor } });
    expect(cursorOf(next, null)).toEqual({ cursorIndex: 2, handedOver: 2, handovers: ['shared'] });
  });

  test('named reader: other readers untouched', () => {
    const other = { cursorIndex: 0, handedOver: 1, handovers: ['b'] };
    const next = withCursor(entry({ readers: { [B]: other, [A]: { cursorIndex: 1, handedOver: 1 } } }), A, cursor);
    expect(next.readers).toEqual({ [B]: other, [A]: cursor });
  });

  test('does not change the entry it is given', () => {
    const readers = { [B]: { cursorIndex: 0, handedOver: 1 } };
    const before = entry({ readers });
    withCursor(before, A, cursor);
    withCursor(before, null, cursor);
    expect(before).toEqual(entry({ readers: { [B]: { cursorIndex: 0, handedOver: 1 } } }));
  });

  test.each<[string, number, string[]]>([
    ['7 tokens kept', 7, ['t1', 't2', 't3', 't4', 't5', 't6', 't7']],
    ['8 tokens kept', 8, ['t1', 't2', 't3', 't4', 't5', 't6', 't7', 't8']],
    ['9 tokens: the oldest dropped', 9, ['t2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']],
    ['12 tokens: the newest 8', 12, ['t5', 't6', 't7', 't8', 't9', 't10', 't11', 't12']],
  ])('%s', (_label, count, kept) => {
    const handovers = Array.from({ length: count }, (_, i) => `t${i + 1}`);
    for (const reader of [null, A]) {
      expect(cursorOf(withCursor(entry(), reader, { cursorIndex: 4, handedOver: 3, handovers }), reader).handovers).toEqual(kept);
    }
  });

  test('round trip: cursorOf reads back what withCursor wrote, for either reader', () => {
    const shared: ReadCursor = { cursorIndex: 3, handedOver: 2, handovers: ['s'] };
    const own: ReadCursor = { cursorIndex: 4, handedOver: 3, handovers: ['o'] };
    const both = withCursor(withCursor(entry(), null, shared), A, own);
    expect([cursorOf(both, null), cursorOf(both, A), cursorOf(both, B)]).toEqual([shared, own, { cursorIndex: -1, handedOver: 0, handovers: [] }]);
  });
});

describe('advanced', () => {
  test.each<[ReadCursor, number, number, string, ReadCursor]>([
    [{ cursorIndex: -1, handedOver: 0, handovers: [] }, 3, 2, 'x', { cursorIndex: 3, handedOver: 2, handovers: ['x'] }],
    [{ cursorIndex: 3, handedOver: 2, handovers: ['x'] }, 7, 4, 'y', { cursorIndex: 7, handedOver: 6, handovers: ['x', 'y'] }],
    [{ cursorIndex: 5, handedOver: 1, handovers: ['a', 'b'] }, 5, 0, 'c', { cursorIndex: 5, handedOver: 1, handovers: ['a', 'b', 'c'] }],
  ])('%j through %i, %i more, token %s', (cursor, through, count, token, expected) => {
    expect(advanced(cursor, through, count, token)).toEqual(expected);
  });

  test('does not change the cursor it is given', () => {
    const cursor: ReadCursor = { cursorIndex: 1, handedOver: 1, handovers: ['a'] };
    advanced(cursor, 4, 2, 'b');
    expect(cursor).toEqual({ cursorIndex: 1, handedOver: 1, handovers: ['a'] });
  });
});

describe('unreadCount', () => {
  test.each<[string, InboxEntry, string | null, number]>([
    ['shared: inbound 3 − handed over 2', entry(), null, 1],
    ['shared: all handed over', entry({ handedOver: 3 }), null, 0],
    ['shared: never below 0', entry({ handedOver: 5 }), null, 0],
    ['named reader new to it: all inbound', entry(), A, 3],
    ['named reader with its own count', entry({ readers: { [A]: { cursorIndex: 1, handedOver: 1 } } }), A, 2],
    ['named reader all read, shared not', entry({ handedOver: 0, readers: { [A]: { cursorIndex: 4, handedOver: 3 } } }), A, 0],
    ['named reader not affected by another', entry({ readers: { [B]: { cursorIndex: 4, handedOver: 3 } } }), A, 3],
    ['no inbound', entry({ inboundCount: 0, handedOver: 0 }), A, 0],
  ])('%s → %i', (_label, e, reader, expected) => {
    expect(unreadCount(e, reader)).toBe(expected);
  });
});

describe('hasNewInbound', () => {
  test.each<[string, InboxEntry, string | null, boolean]>([
    ['shared: last inbound 4 after cursor 2', entry(), null, true],
    ['shared: cursor at last inbound', entry({ cursorIndex: 4 }), null, false],
    ['shared: cursor beyond last inbound (outbound after)', entry({ cursorIndex: 5 }), null, false],
    ['no inbound at all (−1), cursor −1', entry({ lastInboundIndex: -1, cursorIndex: -1 }), null, false],
    ['named reader new to it', entry({ cursorIndex: 4 }), A, true],
    ['named reader new, no inbound', entry({ lastInboundIndex: -1 }), A, false],
    ['named reader at last inbound, shared behind', entry({ cursorIndex: -1, readers: { [A]: { cursorIndex: 4, handedOver: 3 } } }), A, false],
    ['named reader behind', entry({ readers: { [A]: { cursorIndex: 3, handedOver: 2 } } }), A, true],
    ['another reader at the end does not count', entry({ readers: { [B]: { cursorIndex: 4, handedOver: 3 } } }), A, true],
  ])('%s → %s', (_label, e, reader, expected) => {
    expect(hasNewInbound(e, reader)).toBe(expected);
  });
});

describe('isVisible', () => {
  test.each<[string, { reader: string | null; numbers: readonly string[] | null }, string, boolean]>([
    ['whole service', WHOLE_SERVICE, '+14155550100', true],
    ['numbers null', { reader: A, numbers: null }, '+19999999999', true],
    ['own number', { reader: A, numbers: ['+14155550100'] }, '+14155550100', true],
    ['one of several', { reader: A, numbers: ['+14155550101', '+14155550100'] }, '+14155550100', true],
    ['another number', { reader: A, numbers: ['+14155550101'] }, '+14155550100', false],
    ['no numbers', { reader: A, numbers: [] }, '+14155550100', false],
  ])('%s', (_label, scope, ourNumber, expected) => {
    expect(isVisible(scope, { ourNumber })).toBe(expected);
  });

  test('WHOLE_SERVICE is the shared cursor over every conversation', () => {
    expect(WHOLE_SERVICE).toEqual({ reader: null, numbers: null });
  });
});

describe('stored entries keep the cursors', () => {
  const readers = { [A]: { cursorIndex: 3, handedOver: 2, handovers: ['a1', 'a2'] }, [B]: { cursorIndex: -1, handedOver: 0 } };

  test('InboxEntrySchema parses and keeps readers', () => {
    const parsed = InboxEntrySchema.parse({ ...base, readers });
    expect(parsed.readers).toEqual(readers);
    expect(cursorOf(parsed, A)).toEqual({ cursorIndex: 3, handedOver: 2, handovers: ['a1', 'a2'] });
  });

  test('InboxEntrySchema leaves readers absent when none', () => {
    expect('readers' in InboxEntrySchema.parse(base)).toBe(false);
  });

  test.each<[string, unknown]>([
    ['a reader without cursorIndex', { [A]: { handedOver: 0 } }],
    ['a negative handedOver', { [A]: { cursorIndex: 0, handedOver: -1 } }],
    ['tokens not strings', { [A]: { cursorIndex: 0, handedOver: 0, handovers: [1] } }],
  ])('InboxEntrySchema rejects %s', (_label, bad) => {
    expect(InboxEntrySchema.safeParse({ ...base, readers: bad }).success).toBe(false);
  });

  test('parseInboxEntry keeps top-level handovers and readers', () => {
    const parsed = parseInboxEntry({ ...base, handovers: ['s1', 's2'], readers });
    expect(parsed).not.toBeNull();
    expect(cursorOf(parsed!, null)).toEqual({ cursorIndex: 2, handedOver: 2, handovers: ['s1', 's2'] });
    expect(cursorOf(parsed!, A)).toEqual({ cursorIndex: 3, handedOver: 2, handovers: ['a1', 'a2'] });
    expect((parsed as InboxEntry & { handovers?: unknown }).handovers).toEqual(['s1', 's2']);
  });

  test('parseInboxEntry returns null for an invalid entry', () => {
    expect(parseInboxEntry({ ...base, cursorIndex: 'x' })).toBeNull();
  });
});
