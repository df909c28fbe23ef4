import { checkSendAt, isAllowedRecipient, parseAllowlist } from '../../mcp-bridge/src/send-policy';

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
