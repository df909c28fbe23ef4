import { checkSendInput, type CheckedSend, type SendInput } from '../../../lib/outbound/send-input';

const TO = '+14155550100';
const IMG = 'https://example.com/a.png';

function reasonOf(result: CheckedSend): string {
  if (result.ok) throw new Error('expected a refusal');
  return result.reason;
}

describe('checkSendInput', () => {
  test.each<[string, SendInput, CheckedSend]>([
    ['plain text', { to: TO, body: 'Hello' }, { ok: true, to: TO, channel: 'sms', phone: TO, template: null, body: 'Hello', mediaUrl: [] }],
    ['number with spaces around it is trimmed', { to: ` ${TO} `, body: 'Hello' }, { ok: true, to: TO, channel: 'sms', phone: TO, template: null, body: 'Hello', mediaUrl: [] }],
    ['empty body with media', { to: TO, body: '', mediaUrl: [IMG] }, { ok: true, to: TO, channel: 'sms', phone: TO, template: null, body: '', mediaUrl: [IMG] }],
    ['whitespace body with media', { to: TO, body: '  ', mediaUrl: [IMG] }, { ok: true, to: TO, channel: 'sms', phone: TO, template: null, body: '  ', mediaUrl: [IMG] }],
    ['newline and tab', { to: TO, body: 'a\n\tb\r\nc' }, { ok: true, to: TO, channel: 'sms', phone: TO, template: null, body: 'a\n\tb\r\nc', mediaUrl: [] }],
    ['10 media', { to: TO, body: 'x', mediaUrl: Array.from({ length: 10 }, (_, i) => `${IMG}?${i}`) }, { ok: true, to: TO, channel: 'sms', phone: TO, template: null, body: 'x', mediaUrl: Array.from({ length: 10 }, (_, i) => `${IMG}?${i}`) }],
    ['emoji and non-Latin text', { to: TO, body: '你好 👋🏽 مرحبا' }, { ok: true, to: TO, channel: 'sms', phone: TO, template: null, body: '你好 👋🏽 مرحبا', mediaUrl: [] }],
  ])('accepts %s', (_label, input, expected) => {
    expect(checkSendInput(input)).toEqual(expected);
  });

  test('WhatsApp: whatsapp:+E.164, one media item, templates without body or media', () => {
    const WA = `whatsapp:${TO}`;
    expect(checkSendInput({ to: ' whatsapp:+14155550100 ', body: 'Hola' })).toEqual({ ok: true, to: WA, channel: 'whatsapp', phone: TO, body: 'Hola', mediaUrl: [], template: null });
    expect(reasonOf(checkSendInput({ to: 'whatsapp:4155550100', body: 'Hola' }))).toMatch(/^Invalid "to" number: WhatsApp recipients are written whatsapp:\+E\.164/);
    expect(reasonOf(checkSendInput({ to: WA, body: 'x', mediaUrl: [IMG, `${IMG}?2`] }))).toMatch(/WhatsApp takes one per message/);
    const sid = `HX${'a1'.repeat(16)}`;
    expect(checkSendInput({ to: WA, body: '', contentSid: sid, contentVariables: '{"1":"Ana"}' })).toEqual({ ok: true, to: WA, channel: 'whatsapp', phone: TO, body: '', mediaUrl: [], template: { contentSid: sid, contentVariables: '{"1":"Ana"}' } });
    expect(reasonOf(checkSendInput({ to: TO, body: '', contentSid: sid }))).toMatch(/WhatsApp template/);
    expect(reasonOf(checkSendInput({ to: WA, body: 'Hi', contentSid: sid }))).toMatch(/without body or mediaUrl/);
    expect(reasonOf(checkSendInput({ to: WA, body: '', contentSid: 'HXnope' }))).toMatch(/not a Content template SID/);
    expect(reasonOf(checkSendInput({ to: WA, body: '', contentSid: sid, contentVariables: '[1]' }))).toMatch(/JSON object/);
    expect(reasonOf(checkSendInput({ to: WA, body: '', contentSid: sid, contentVariables: '{"1":""}' }))).toMatch(/21656/);
    expect(reasonOf(checkSendInput({ to: WA, body: 'x', contentVariables: '{"1":"a"}' }))).toMatch(/needs contentSid/);
  });

  test.each<[string, string, boolean]>([
    ['1600 ASCII chars', 'a'.repeat(1600), true],
    ['1601 ASCII chars', 'a'.repeat(1601), false],
    ['1600 emoji (3200 UTF-16 units, 1600 code points)', '😀'.repeat(1600), true],
    ['1601 emoji', '😀'.repeat(1601), false],
    ['1600 Chinese chars', '中'.repeat(1600), true],
  ])('length: %s → ok %s', (_label, body, ok) => {
    const result = checkSendInput({ to: TO, body });
    expect(result.ok).toBe(ok);
    if (!result.ok) expect(result.reason).toMatch(/is 1601 characters; Twilio allows at most 1600/);
  });

  test.each<[string, SendInput, RegExp]>([
    ['bad number', { to: '4155550100', body: 'hi' }, /^Invalid "to" number: .*country code/],
    ['number with punctuation', { to: '+1 (415) 555-0100', body: 'hi' }, /^Invalid "to" number: .*\+14155550100/],
    ['empty number', { to: '', body: 'hi' }, /^Invalid "to" number: /],
    ['empty body', { to: TO, body: '' }, /body is empty/],
    ['whitespace body', { to: TO, body: ' \n\t ' }, /body is empty/],
    ['empty body with an empty media list', { to: TO, body: '', mediaUrl: [] }, /body is empty/],
    ['NUL', { to: TO, body: 'a\u0000b' }, /control characters/],
    ['BEL', { to: TO, body: 'ding\u0007' }, /control characters/],
    ['vertical tab', { to: TO, body: 'a\u000Bb' }, /control characters/],
    ['form feed', { to: TO, body: 'a\u000Cb' }, /control characters/],
    ['escape', { to: TO, body: '\u001B[31mred' }, /control characters/],
    ['DEL', { to: TO, body: 'a\u007Fb' }, /control characters/],
    ['C1 NEL', { to: TO, body: 'a\u0085b' }, /control characters/],
    ['lone high surrogate', { to: TO, body: 'broken \uD83D here' }, /unpaired UTF-16 surrogate/],
    ['lone low surrogate', { to: TO, body: 'broken \uDE00 here' }, /unpaired UTF-16 surrogate/],
    ['high surrogate at the end', { to: TO, body: 'end\uD83D' }, /unpaired UTF-16 surrogate/],
    ['11 media', { to: TO, body: 'x', mediaUrl: Array.from({ length: 11 }, (_, i) => `${IMG}?${i}`) }, /11 media URLs given; Twilio allows at most 10/],
    ['http media', { to: TO, body: 'x', mediaUrl: ['http://example.com/a.png'] }, /"http:\/\/example\.com\/a\.png" is not an https URL/],
    ['non-URL media', { to: TO, body: 'x', mediaUrl: ['a.png'] }, /"a\.png" is not an https URL/],
    ['one bad media among good ones', { to: TO, body: 'x', mediaUrl: [IMG, 'ftp://example.com/b.png'] }, /"ftp:\/\/example\.com\/b\.png" is not an https URL/],
    ['data URL media', { to: TO, body: 'x', mediaUrl: ['data:image/png;base64,AAAA'] }, /not an https URL/],
  ])('refuses %s', (_label, input, pattern) => {
    expect(reasonOf(checkSendInput(input))).toMatch(pattern);
  });

  test('a very long bad media URL is quoted only in part', () => {
    const url = `http://example.com/${'x'.repeat(500)}`;
    const reason = reasonOf(checkSendInput({ to: TO, body: 'x', mediaUrl: [url] }));
    expect(reason).toContain(url.slice(0, 100));
    expect(reason).not.toContain(url.slice(0, 101));
  });
});
