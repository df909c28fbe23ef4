import { isPlaceholder, setValues } from '../../lib/env-values';

describe('isPlaceholder', () => {
  test.each<[string, boolean]>([
    ['${TWILIO_AUTH_TOKEN}', true],
    ['{{LIBRECHAT_USER_EMAIL}}', true],
    ['{{LIBRECHAT_USER_ID}}', true],
    ['https://${HOST}/x', true],
    ['prefix {{LIBRECHAT_USER_EMAIL}} suffix', true],
    ['${}', true],
    ['{{}}', true],
    ['', false],
    ['plain', false],
    ['+14155550100', false],
    ['pa$$word', false],
    ['$HOME', false],
    ['cost: $5', false],
    ['{', false],
    ['{json}', false],
    ['{{half}', false],
    ['${unterminated', false],
    ['$ {SPACED}', false],
    ['}{', false],
  ])('%j → %s', (value, expected) => {
    expect(isPlaceholder(value)).toBe(expected);
  });
});

describe('setValues', () => {
  test.each<[string, Record<string, string | undefined>, { values: Record<string, string>; placeholders: Record<string, string> }]>([
    ['empty environment', {}, { values: {}, placeholders: {} }],
    ['undefined value dropped', { A: undefined }, { values: {}, placeholders: {} }],
    ['empty value dropped', { A: '' }, { values: {}, placeholders: {} }],
    ['spaces-only value dropped', { A: '   ' }, { values: {}, placeholders: {} }],
    ['tabs and newlines dropped', { A: '\t\n ' }, { values: {}, placeholders: {} }],
    ['${X} is a placeholder', { A: '${X}' }, { values: {}, placeholders: { A: '${X}' } }],
    ['{{LIBRECHAT_USER_EMAIL}} is a placeholder', { SMS_USER: '{{LIBRECHAT_USER_EMAIL}}' }, { values: {}, placeholders: { SMS_USER: '{{LIBRECHAT_USER_EMAIL}}' } }],
    ['placeholder inside a longer value', { URL: 'https://${HOST}/x' }, { values: {}, placeholders: { URL: 'https://${HOST}/x' } }],
    ['placeholder text is trimmed', { A: '  ${X}  ' }, { values: {}, placeholders: { A: '${X}' } }],
    ['{{…}} trimmed too', { A: '\t{{LIBRECHAT_USER_EMAIL}}\n' }, { values: {}, placeholders: { A: '{{LIBRECHAT_USER_EMAIL}}' } }],
    ['ordinary value kept', { A: 'ACxxxx' }, { values: { A: 'ACxxxx' }, placeholders: {} }],
    ['lone $ stays a value', { A: 'pa$$word' }, { values: { A: 'pa$$word' }, placeholders: {} }],
    ['$VAR without braces stays a value', { A: '$HOME' }, { values: { A: '$HOME' }, placeholders: {} }],
    ['lone { stays a value', { A: '{' }, { values: { A: '{' }, placeholders: {} }],
    ['single braces stay a value', { A: '{json}' }, { values: { A: '{json}' }, placeholders: {} }],
    ['unterminated ${ stays a value', { A: '${X' }, { values: { A: '${X' }, placeholders: {} }],
    ['a value keeps its surrounding spaces', { A: ' v ' }, { values: { A: ' v ' }, placeholders: {} }],
    [
      'mixed environment split per key',
      { SID: 'AC123', TOKEN: '${TWILIO_AUTH_TOKEN}', EMPTY: '', USER: '{{LIBRECHAT_USER_EMAIL}}', GONE: undefined, PRICE: '$5 {x}' },
      { values: { SID: 'AC123', PRICE: '$5 {x}' }, placeholders: { TOKEN: '${TWILIO_AUTH_TOKEN}', USER: '{{LIBRECHAT_USER_EMAIL}}' } },
    ],
  ])('%s', (_label, env, expected) => {
    expect(setValues(env)).toEqual(expected);
  });

  test('does not change the environment it is given', () => {
    const env = { A: ' ${X} ', B: 'b' };
    setValues(env);
    expect(env).toEqual({ A: ' ${X} ', B: 'b' });
  });
});
