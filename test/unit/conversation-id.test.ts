import { createHash } from 'node:crypto';
import { CONVERSATION_ID_PATTERN, conversationIdFor, isConversationId } from '../../lib/conversation-id';

const OURS = '+14155550100';
const THEIRS = '+447911123456';

describe('conversationIdFor', () => {
  test('is deterministic', () => {
    expect(conversationIdFor(OURS, THEIRS)).toBe(conversationIdFor(OURS, THEIRS));
  });

  test('is conv_ + the first 16 hex digits of SHA-256("ours|theirs")', () => {
    const expected = `conv_${createHash('sha256').update(`${OURS}|${THEIRS}`).digest('hex').slice(0, 16)}`;
    expect(conversationIdFor(OURS, THEIRS)).toBe(expected);
  });

  test.each([
    ['swapped arguments', [THEIRS, OURS]],
    ['another number of ours', ['+15005550006', THEIRS]],
    ['another number of theirs', [OURS, '+4915112345678']],
    ['one digit differs', [OURS, '+447911123457']],
  ] as const)('differs for %s', (_label, [ours, theirs]) => {
    expect(conversationIdFor(ours, theirs)).not.toBe(conversationIdFor(OURS, THEIRS));
  });

  test.each([
    [OURS, THEIRS],
    ['MG0123456789abcdef0123456789abcdef', '+14155550100'],
    ['', ''],
    ['whatsapp:+14155550100', 'whatsapp:+447911123456'],
  ])('has the documented format for (%j, %j) and contains no phone digits', (ours, theirs) => {
    const id = conversationIdFor(ours, theirs);
    expect(id).toMatch(/^conv_[0-9a-f]{16}$/);
    expect(isConversationId(id)).toBe(true);
    expect(id).not.toContain('4155550100');
  });
});

describe('isConversationId', () => {
  test.each([
    ['', false],
    ['conv_', false],
    ['conv_0123456789abcdef', true],
    ['conv_0123456789ABCDEF', false],
    ['conv_0123456789abcde', false],
    ['conv_0123456789abcdef0', false],
    ['conv_0123456789abcdeg', false],
    ['conv-0123456789abcdef', false],
    ['CONV_0123456789abcdef', false],
    [' conv_0123456789abcdef', false],
    ['conv_0123456789abcdef ', false],
    ['conv_0123456789abcdef\n', false],
    ['thread_conv_0123456789abcdef', false],
  ])('%j → %s', (value, expected) => {
    expect(isConversationId(value)).toBe(expected);
    expect(CONVERSATION_ID_PATTERN.test(value)).toBe(expected);
  });
});
