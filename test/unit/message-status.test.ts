import {
  advancesStatus,
  FINAL_STATUSES,
  isFailureStatus,
  isMessageStatus,
  MESSAGE_STATUSES,
  type MessageStatus,
} from '../../lib/message-status';

describe('advancesStatus', () => {
  test.each<[MessageStatus, MessageStatus, boolean]>([
    ['queued', 'sent', true],
    ['delivered', 'sent', false],
    ['sent', 'sent', false],
    ['delivered', 'undelivered', false],
    ['undelivered', 'delivered', false],
    ['delivered', 'failed', false],
    ['sent', 'delivered', true],
    ['scheduled', 'canceled', true],
    ['delivered', 'read', true],
    ['read', 'delivered', false],
    ['accepted', 'queued', true],
    ['queued', 'accepted', false],
    ['sending', 'sent', true],
    ['sent', 'sending', false],
    ['sent', 'failed', true],
    ['sent', 'undelivered', true],
    ['receiving', 'received', true],
    ['received', 'receiving', false],
    ['sent', 'partially_delivered', true],
    ['partially_delivered', 'delivered', true],
    ['canceled', 'scheduled', false],
  ])('%s → %s: %s', (current, next, expected) => {
    expect(advancesStatus(current, next)).toBe(expected);
  });

  test.each(MESSAGE_STATUSES.map((status) => [status]))('%s never advances to itself', (status) => {
    expect(advancesStatus(status, status)).toBe(false);
  });

  test('no final outbound status is ever overtaken by a pre-final one', () => {
    const preFinal: MessageStatus[] = ['scheduled', 'accepted', 'queued', 'sending', 'sent'];
    for (const final of FINAL_STATUSES) {
      for (const earlier of preFinal) expect([final, earlier, advancesStatus(final, earlier)]).toEqual([final, earlier, false]);
    }
  });
});

describe('FINAL_STATUSES', () => {
  test('holds exactly the statuses after which Twilio reports nothing more', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['canceled', 'delivered', 'failed', 'read', 'received', 'undelivered']);
  });

  test.each<[MessageStatus, boolean]>([
    ['queued', false],
    ['sending', false],
    ['sent', false],
    ['scheduled', false],
    ['accepted', false],
    ['delivered', true],
    ['undelivered', true],
    ['failed', true],
  ])('%s is final: %s', (status, expected) => {
    expect(FINAL_STATUSES.has(status)).toBe(expected);
  });
});

describe('isMessageStatus', () => {
  test.each([
    ...MESSAGE_STATUSES.map((status): [string, boolean] => [status, true]),
    ['', false],
    ['DELIVERED', false],
    ['Delivered', false],
    [' delivered', false],
    ['unknown', false],
    ['partially-delivered', false],
  ] as [string, boolean][])('%j → %s', (value, expected) => {
    expect(isMessageStatus(value)).toBe(expected);
  });
});

describe('isFailureStatus', () => {
  test.each<[MessageStatus, boolean]>([
    ['failed', true],
    ['undelivered', true],
    ['delivered', false],
    ['canceled', false],
    ['sent', false],
  ])('%s → %s', (status, expected) => {
    expect(isFailureStatus(status)).toBe(expected);
  });
});
