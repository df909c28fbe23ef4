import { logPiiFrom, maskBody, maskPhone } from '../../lib/mask';

const MASKED = { logPii: false };
const CLEAR = { logPii: true };

describe('maskPhone', () => {
  test.each([
    ['+14155550100', '+1••••••••00'],
    ['+447911123456', '+4•••••••••56'],
    ['12345', '12•45'],
    ['1234', '••••'],
    ['+1', '••'],
    ['', ''],
  ])('masks %j as %j', (value, masked) => {
    const result = maskPhone(value, MASKED);
    expect(result).toBe(masked);
    expect([...result]).toHaveLength(value.length);
  });

  test('masked numbers differ when the ends differ, and hide the middle digits', () => {
    const a = maskPhone('+14155550100', MASKED);
    const b = maskPhone('+14155550199', MASKED);
    expect(a).not.toBe(b);
    expect(a).not.toContain('415555');
  });

  test.each(['+14155550100', '1234', ''])('logPii true returns %j unchanged', (value) => {
    expect(maskPhone(value, CLEAR)).toBe(value);
  });
});

describe('maskBody', () => {
  test.each([
    ['hello', '[5 chars]'],
    ['', '[0 chars]'],
    ['😀😀', '[2 chars]'],
    ['secret code 1234', '[16 chars]'],
  ])('masks %j as %j', (value, masked) => {
    expect(maskBody(value, MASKED)).toBe(masked);
  });

  test.each([
    ['hello', '"hello"'],
    ['say "hi"\nbye', '"say \\"hi\\"\\nbye"'],
    ['', '""'],
  ])('logPii true quotes %j as %s', (value, quoted) => {
    expect(maskBody(value, CLEAR)).toBe(quoted);
  });
});

describe('logPiiFrom', () => {
  test.each<[string | undefined, boolean]>([
    ['1', true],
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['yes', true],
    ['YES', true],
    [' true ', true],
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['no', false],
    ['on', false],
    ['y', false],
    ['truthy', false],
    ['true1', false],
  ])('%j → %s', (value, expected) => {
    expect(logPiiFrom(value)).toBe(expected);
  });
});
