import { checkE164, type PhoneCheck } from '../../lib/phone';

function reasonOf(result: PhoneCheck): string {
  if (result.ok) throw new Error(`expected a refusal, got ok (${result.e164})`);
  return result.reason;
}

describe('checkE164', () => {
  test.each([
    ['+14155550100', '+14155550100'],
    ['+15005550006', '+15005550006'],
    ['+447911123456', '+447911123456'],
    ['+4915112345678', '+4915112345678'],
    ['+61491570156', '+61491570156'],
    [' +14155550100\t', '+14155550100'],
  ])('accepts %j as %s', (input, e164) => {
    expect(checkE164(input)).toEqual({ ok: true, e164 });
  });

  test.each([
    ['no plus', '14155550100', /no country code/],
    ['short code', '12345', /no country code/],
    ['alphanumeric sender', 'ACME', /no country code/],
    ['letters after the plus', '+1415555CALL', /not an E\.164 number/],
    ['more than 15 digits', '+1234567890123456', /not an E\.164 number.*up to 15 digits/],
    ['too short', '+1415', /too short/],
    ['too short (country code only)', '+12', /too short/],
    ['unknown country code', '+99912345678', /known country code/],
    ['no such number range', '+15551234567', /no such number range/],
    ['empty', '', /empty/],
    ['whitespace only', '   \t ', /empty/],
  ])('refuses %s (%j)', (_label, input, pattern) => {
    const reason = reasonOf(checkE164(input));
    expect(reason).toMatch(pattern);
    expect(reason.length).toBeGreaterThan(20);
  });

  test.each([
    ['+1 415 555 0100', '+14155550100'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['+1415-555-0100', '+14155550100'],
    ['+44 7911 123456', '+447911123456'],
    ['+49 151 12345678', '+4915112345678'],
  ])('refuses punctuated %j and suggests the compact form %s', (input, compact) => {
    const reason = reasonOf(checkE164(input));
    expect(reason).toMatch(/without spaces or punctuation/);
    expect(reason).toContain(compact);
  });

  test('a refusal quotes the input so the user sees what was wrong', () => {
    expect(reasonOf(checkE164('4155550100'))).toContain('"4155550100"');
  });
});
