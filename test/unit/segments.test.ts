/**
 * lib/segments.ts against Twilio's published rules (GSM 03.38 / 3GPP TS 23.038 alphabet; 160/153
 * septets, 70/67 UTF-16 units; Smart Encoding's replacement table), with real strings, and against
 * the emulator's own implementation (emulator/segments.ts), which must count the same way.
 */
import { describeSegments, segmentInfo, smartEncode, type SegmentInfo } from '../../lib/segments';
import { checkSegments } from '../../lib/outbound/send-input';
import { countSegments as emulatorCount, smartEncodeBody as emulatorSmartEncode } from '../../emulator/segments';

type Expected = Pick<SegmentInfo, 'encoding' | 'segments' | 'units'> & Partial<SegmentInfo>;

const cases: [string, string, Expected][] = [
  ['empty body', '', { encoding: 'GSM-7', segments: 1, units: 0 }],
  ['160 plain characters fit one', 'a'.repeat(160), { encoding: 'GSM-7', segments: 1, units: 160, perSegment: 160 }],
  ['161 plain characters take two', 'a'.repeat(161), { encoding: 'GSM-7', segments: 2, units: 161, perSegment: 153 }],
  ['306 = 2 × 153', 'a'.repeat(306), { encoding: 'GSM-7', segments: 2, units: 306 }],
  ['307 takes a third part', 'a'.repeat(307), { encoding: 'GSM-7', segments: 3, units: 307 }],
  ['459 = 3 × 153', 'a'.repeat(459), { encoding: 'GSM-7', segments: 3, units: 459 }],
  ['newlines are GSM-7', 'line\n'.repeat(32), { encoding: 'GSM-7', segments: 1, units: 160 }],
  // Extension table: an escape plus the character.
  ['80 × € = 160 septets', '€'.repeat(80), { encoding: 'GSM-7', segments: 1, units: 160, countedTwice: ['€'] }],
  ['81 × € = 162 septets', '€'.repeat(81), { encoding: 'GSM-7', segments: 2, units: 162 }],
  ['159 characters + € = 161', `${'a'.repeat(159)}€`, { encoding: 'GSM-7', segments: 2, units: 161 }],
  ['each of { } [ ] ~ | ^ \\ € counts twice', 'Price: {10} [approx] ~5 | ^ \\ €', { encoding: 'GSM-7', segments: 1, units: 40, countedTwice: ['{', '}', '[', ']', '~', '|', '^', '\\', '€'] }],
  ['form feed counts twice', 'a\fb', { encoding: 'GSM-7', segments: 1, units: 4, countedTwice: ['\f'] }],
  ['an escape pair is never split across parts', `${'a'.repeat(152)}€${'a'.repeat(152)}`, { encoding: 'GSM-7', segments: 3, units: 306 }],
  // The GSM 03.38 basic table has é è ù ì ò à ä ö ü ñ Ç É Ä Ö Ü Ñ Å å Æ æ Ø ø ß, and not á í ó ú ç ê ã.
  ['GSM-7 accented letters', 'Señor Müller, café à 5 €', { encoding: 'GSM-7', segments: 1, units: 25, countedTwice: ['€'] }],
  ['160 × é stays one GSM-7 segment', 'é'.repeat(160), { encoding: 'GSM-7', segments: 1, units: 160 }],
  ['Ñ Ü Ö Ä Å Ç É Ø are in the table', 'ÑÜÖÄÅÇÉØ ñüöäåéøßæÆ', { encoding: 'GSM-7', segments: 1, units: 19 }],
  ['Greek capitals in the table', 'ΔΦΓΛΩΠΨΣΘΞ', { encoding: 'GSM-7', segments: 1, units: 10 }],
  ['á forces UCS-2', 'Olá, São Paulo', { encoding: 'UCS-2', segments: 1, units: 14, ucs2Character: 'á', perSegment: 70 }],
  ['lower-case ç forces UCS-2 (only Ç is in the table)', 'Ça va, garçon?', { encoding: 'UCS-2', segments: 1, units: 14, ucs2Character: 'ç' }],
  ['ú forces UCS-2 (ù does not)', 'Ñandú', { encoding: 'UCS-2', segments: 1, units: 5, ucs2Character: 'ú' }],
  ['a backtick is not GSM-7', 'Run `npm test`', { encoding: 'UCS-2', segments: 1, units: 14, ucs2Character: '`' }],
  ['a curly apostrophe is not GSM-7', 'It’s ready', { encoding: 'UCS-2', segments: 1, units: 10, ucs2Character: '’' }],
  // UCS-2: UTF-16 units; an emoji is a surrogate pair.
  ['an emoji takes two units', 'See you at 6 😀', { encoding: 'UCS-2', segments: 1, units: 15, ucs2Character: '😀', countedTwice: ['😀'] }],
  ['68 + 😀 = 70 units', `${'a'.repeat(68)}😀`, { encoding: 'UCS-2', segments: 1, units: 70 }],
  ['69 + 😀 = 71 units', `${'a'.repeat(69)}😀`, { encoding: 'UCS-2', segments: 2, units: 71, perSegment: 67 }],
  ['35 emoji = 70 units', '😀'.repeat(35), { encoding: 'UCS-2', segments: 1, units: 70 }],
  ['36 emoji = 72 units', '😀'.repeat(36), { encoding: 'UCS-2', segments: 2, units: 72 }],
  ['70 × 中', '中'.repeat(70), { encoding: 'UCS-2', segments: 1, units: 70 }],
  ['71 × 中', '中'.repeat(71), { encoding: 'UCS-2', segments: 2, units: 71 }],
  ['134 × 中 = 2 × 67', '中'.repeat(134), { encoding: 'UCS-2', segments: 2, units: 134 }],
  ['135 × 中 takes a third part', '中'.repeat(135), { encoding: 'UCS-2', segments: 3, units: 135 }],
  ['in UCS-2 € counts once', `€${'中'.repeat(69)}`, { encoding: 'UCS-2', segments: 1, units: 70, countedTwice: [] }],
  ['a surrogate pair is never split across parts', `${'ł'.repeat(66)}😀${'ł'.repeat(66)}`, { encoding: 'UCS-2', segments: 3, units: 134 }],
];

describe('segmentInfo', () => {
  test.each(cases)('%s', (_label, body, expected) => {
    expect(segmentInfo(body)).toMatchObject(expected);
  });

  test.each(cases)('the emulator counts the same: %s', (_label, body, expected) => {
    expect(emulatorCount(body)).toEqual({ encoding: expected.encoding, segments: expected.segments });
  });

  test('GSM-7 reports no UCS-2 character', () => {
    expect(segmentInfo('Hello').ucs2Character).toBeNull();
  });
});

describe('Smart Encoding (SEND_SMART_ENCODING)', () => {
  const curly = '“Hello” – it’s ready…';
  test.each<[string, string, string]>([
    ['curly quotes, en dash and ellipsis', curly, '"Hello" - it\'s ready...'],
    ['em dash and bullet', 'Open — 9 to 5 • closed Sunday', 'Open - 9 to 5 - closed Sunday'],
    ['no-break and thin spaces become spaces', 'a\u00A0b\u2009c', 'a b c'],
    ['zero-width characters go', 'ab\u200Bc\uFEFF', 'abc'],
    ['fullwidth letters and digits', 'ＯＫ １２', 'OK 12'],
    ['a backtick becomes an apostrophe', 'Run `npm test`', "Run 'npm test'"],
    ['« » and ½', '«Menu» ½ price', '"Menu" 1/2 price'],
    ['fullwidth braces become the (double-counted) ASCII ones', '｛ok｝', '{ok}'],
  ])('%s', (_label, body, sent) => {
    expect(smartEncode(body).body).toBe(sent);
    expect(emulatorSmartEncode(body)).toBe(sent);
    const info = segmentInfo(body, { smartEncoding: true });
    expect(info).toMatchObject({ encoding: 'GSM-7', ucs2Character: null });
    expect(info.units).toBe(segmentInfo(sent).units);
  });

  test('without it, the first curly quote forces UCS-2', () => {
    expect(segmentInfo(curly)).toMatchObject({ encoding: 'UCS-2', ucs2Character: '“', smartReplaced: [] });
    expect(segmentInfo(curly, { smartEncoding: true }).smartReplaced).toEqual(['“', '”', '–', '’', '…']);
  });

  test('a 150-character curly-quoted text: 3 UCS-2 segments, or 1 GSM-7 segment', () => {
    const body = `“${'a'.repeat(148)}”`;
    expect(segmentInfo(body)).toMatchObject({ encoding: 'UCS-2', segments: 3 });
    expect(segmentInfo(body, { smartEncoding: true })).toMatchObject({ encoding: 'GSM-7', segments: 1, units: 150 });
  });

  test('nothing is replaced when a character stays outside GSM-7 (an emoji): the body goes as it is', () => {
    const body = '“Hi” 😀';
    expect(smartEncode(body)).toEqual({ body, replaced: [] });
    expect(emulatorSmartEncode(body)).toBe(body);
    expect(segmentInfo(body, { smartEncoding: true })).toMatchObject({ encoding: 'UCS-2', ucs2Character: '“', smartReplaced: [] });
  });

  test('a GSM-7 body is left alone', () => {
    expect(smartEncode('Hello {x}')).toEqual({ body: 'Hello {x}', replaced: [] });
  });
});

describe('describeSegments', () => {
  test.each<[string, string, boolean, string]>([
    ['one GSM-7 segment', 'Hi', false, '1 segment (GSM-7, 2 of 160 characters)'],
    ['split GSM-7 with €', `${'a'.repeat(168)}€`, false, '2 segments (GSM-7, 170 characters at 153 per part; `€` counts twice)'],
    ['several extension characters', '{x} [y]', false, '1 segment (GSM-7, 11 of 160 characters; `{` `}` `[` `]` count twice)'],
    ['UCS-2 names the character', 'Hello 😀', false, '1 segment (UCS-2 because of "😀" (U+1F600): 8 of 70 per single message, 67 per part; `😀` counts twice)'],
    ['split UCS-2', `Olá${'a'.repeat(80)}`, false, '2 segments (UCS-2 because of "á" (U+00E1): 83 characters at 67 per part (70 in a single message))'],
    ['an invisible character is named by its code point', 'a\u00A0b', false, '1 segment (UCS-2 because of "\u00A0" (U+00A0): 3 of 70 per single message, 67 per part)'],
    ['Smart Encoding', '“Hi”', true, '1 segment (GSM-7, 4 of 160 characters; Smart Encoding replaces `“` `”` to stay GSM-7)'],
  ])('%s', (_label, body, smartEncoding, words) => {
    expect(describeSegments(segmentInfo(body, { smartEncoding }))).toBe(words);
  });
});

describe('checkSegments (SEND_MAX_SEGMENTS)', () => {
  const config = { sendMaxSegments: 10, sendSmartEncoding: false };
  test.each<[string, string, number, typeof config, boolean]>([
    ['10 segments at the default limit', 'a'.repeat(1530), 0, config, true],
    ['11 segments over it', 'a'.repeat(1531), 0, config, false],
    ['0 is no limit', 'a'.repeat(1600), 0, { ...config, sendMaxSegments: 0 }, true],
    ['media: one MMS, not counted', 'a'.repeat(1600), 1, config, true],
    ['UCS-2 counts at 67', '😀'.repeat(336), 0, config, false],
    ['Smart Encoding counts after the replacements', `“${'a'.repeat(157)}”`, 0, { sendMaxSegments: 1, sendSmartEncoding: true }, true],
  ])('%s', (_label, body, media, settings, ok) => {
    expect(checkSegments(body, media, settings).ok).toBe(ok);
  });

  test('the refusal names the count, the limit and what to do', () => {
    const checked = checkSegments('😀'.repeat(336), 0, config);
    expect(checked).toMatchObject({ ok: false, info: { encoding: 'UCS-2', segments: 11 } });
    expect(!checked.ok && checked.reason).toBe(
      'The message would take 11 segments (UCS-2 because of "😀" (U+1F600): 672 characters at 67 per part (70 in a single message); `😀` counts twice); this server sends at most 10 segments per message (SEND_MAX_SEGMENTS). Shorten it, or leave out the characters outside GSM-7 (then 160 fit in one segment, 153 per part), or ask the administrator to raise SEND_MAX_SEGMENTS.',
    );
  });

  test('media has no segment info', () => {
    expect(checkSegments('hi', 1, config)).toEqual({ ok: true, info: null });
  });
});
