import type { InboxEntry } from '../../../lib/message-record';
import { checkSendAt, isAllowedRecipient, parseAllowlist, replyOnlyRefusal } from '../../../lib/outbound/send-policy';

describe('parseAllowlist', () => {
  test.each([
    ['', []],
    [' us , +14155550100,gb ', ['US', '+14155550100', 'GB']],
  ])('%p', (value, allowlist) => {
    expect(parseAllowlist(value)).toEqual({ ok: true, allowlist });
  });

  test.each(['USA', '4155550100', '+1 415', 'U'])('rejects %p', (entry) => {
    expect(parseAllowlist(`US,${entry}`)).toEqual({ ok: false, entry });
  });
});

describe('isAllowedRecipient', () => {
  test.each<[string, string[], boolean]>([
    ['+14155550100', [], true],
    ['+14155550100', ['+14155550100'], true],
    ['+14155550101', ['+14155550100'], false],
    ['+14155550101', ['US'], true],
    ['+447400123456', ['US'], false],
    ['+447400123456', ['GB', 'US'], true],
    ['+16135550123', ['US'], false], // Canada shares +1
    ['+16135550123', ['CA'], true],
  ])('%s with %p → %p', (to, allowlist, allowed) => {
    expect(isAllowedRecipient(to, allowlist)).toBe(allowed);
  });
});

describe('checkSendAt', () => {
  const now = new Date('2026-11-24T08:00:00Z');
  test.each([
    ['2026-11-24T08:15:00Z', true],
    ['2026-11-24T09:00:00+01:00', false], // 08:00Z: now
    ['2026-11-24T08:14:59Z', false],
    ['2026-12-29T08:00:00Z', true], // 35 days
    ['2026-12-29T08:00:01Z', false],
    ['2026-11-24 10:00', false],
    ['2026-11-24T10:00:00', false], // no time zone
    ['soon', false],
  ])('%s → ok %p', (sendAt, ok) => {
    expect(checkSendAt(sendAt, now).ok).toBe(ok);
  });
});

describe('replyOnlyRefusal (SEND_POLICY=reply-only)', () => {
  const entry = (inboundCount: number): InboxEntry => ({
    conversationId: 'conv_0123456789abcdef', ourNumber: '+15005550006', theirNumber: '+14155550100', createdAt: '2026-12-01T00:00:00.000Z',
    lastActivityAt: '2026-12-01T00:00:00.000Z', lastDirection: inboundCount ? 'inbound' : 'outbound', messageCount: inboundCount + 1, inboundCount,
    lastInboundIndex: inboundCount - 1, cursorIndex: -1, handedOver: 0, recentSids: [], optedOut: false,
  });
  test('someone who texted first may be texted', () => {
    expect(replyOnlyRefusal(entry(1), '+14155550100', '+15005550006')).toBeNull();
  });
  test.each<[string, InboxEntry | null | undefined, string | undefined, RegExp]>([
    ['no conversation', null, '+15005550006', /\+14155550100 has never texted \+15005550006.*SEND_POLICY/],
    ['only our own texts', entry(0), '+15005550006', /has never texted/],
    ['no store to ask', undefined, '+15005550006', /TWILIO_SYNC_SERVICE_SID/],
    ['no number of ours', null, undefined, /TWILIO_PHONE_NUMBER/],
  ])('%s: refused, naming the rule and the fix', (_label, found, ours, reason) => {
    expect(replyOnlyRefusal(found, '+14155550100', ours)).toMatch(reason);
    expect(replyOnlyRefusal(found, '+14155550100', ours)).toMatch(/reply-only/);
  });
});
