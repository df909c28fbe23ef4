/**
 * How many SMS segments a body takes, as Twilio counts them (a message's `num_segments`, and its
 * price: Twilio bills each segment), and why. The one copy of the rule in the product.
 *
 * GSM-7 (3GPP TS 23.038): 160 septets in a single message, 153 per part once it is split (the
 * concatenation header takes the other 7). The extension-table characters ^ { } [ ] ~ | € \ and form
 * feed take two septets (an escape, then the character), and the pair is never split across parts.
 * One character outside both tables makes the whole message UCS-2: 70 UTF-16 units in a single
 * message, 67 per part; a character beyond U+FFFF (most emoji) takes two units, and the pair is
 * never split either (Twilio's segment calculator, TwilioDevEd/message-segment-calculator, packs
 * whole characters the same way).
 */

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SegmentInfo {
  encoding: SmsEncoding;
  segments: number;
  /** What the body uses: GSM-7 septets, or UCS-2 UTF-16 units. */
  units: number;
  /** What one segment holds here: 160 / 70 when the body fits one, else 153 / 67 per part. */
  perSegment: number;
  /** The first character that forced UCS-2; null for GSM-7. */
  ucs2Character: string | null;
  /** Distinct characters counted twice: GSM-7 extension characters, or UCS-2 surrogate pairs (emoji). */
  countedTwice: string[];
  /** Distinct characters Smart Encoding replaced before counting (empty when it is off or changed nothing). */
  smartReplaced: string[];
}

/** GSM 03.38 default alphabet, all 128 positions but the escape (0x1B). */
const GSM7_BASIC = new Set([
  ...'@£$¥èéùìòÇ\nØø\rÅå',
  ...'Δ_ΦΓΛΩΠΨΣΘΞÆæßÉ',
  ...' !"#¤%&\'()*+,-./0123456789:;<=>?',
  ...'¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§',
  ...'¿abcdefghijklmnopqrstuvwxyzäöñüà',
]);
/** The extension table: each is an escape plus a septet. */
const GSM7_EXTENSION = new Set([...'\f^{}\\[~]|€']);

const GSM7 = { single: 160, part: 153 } as const;
const UCS2 = { single: 70, part: 67 } as const;

/**
 * Twilio's Smart Encoding: look-alike Unicode characters and what it sends instead.
 * Source: "List of characters replaced by Smart Encoding",
 * https://www.twilio.com/docs/messaging/services/smart-encoding-char-list (and the same table in
 * Twilio's segment calculator, src/libs/SmartEncodingMap.ts). Grouped by replacement; the Unicode
 * spaces become one plain space, invisible ones nothing. Control characters on that list are left
 * out: send_sms refuses them (send-input.ts), and a tab left as UCS-2 over-counts, never under.
 */
const SMART_GROUPS: readonly (readonly [string, string])[] = [
  ['"', '\u00AB\u00BB\u201C\u201D\u02BA\u02EE\u201F\u275D\u275E\u301D\u301E\uFF02\u201E'],
  ["'", '\u2018\u2019\u02BB\u02C8\u02BC\u02BD\u02B9\u201B\uFF07\u00B4\u02CA\u0060\u02CB\u275B\u275C\u0313\u0314\uFE10\uFE11'],
  ['/', '\u00F7\u29F8\u0337\u0338\u2044\u2215\uFF0F'],
  ['\\', '\u29F9\u29F5\u20E5\uFE68\uFF3C'],
  ['_', '\u0332\uFF3F\u2017'],
  ['|', '\u20D2\u20D3\u2223\uFF5C\u23B8\u23B9\u23D0\u239C\u239F'],
  ['-', '\u23BC\u23BD\u2015\uFE63\uFF0D\u2010\u2043\u2022\u2013\u2014'],
  ['@', '\uFE6B\uFF20'],
  ['$', '\uFE69\uFF04'],
  ['!', '\u01C3\uFE15\uFE57\uFF01'],
  ['#', '\uFE5F\uFF03'],
  ['%', '\uFE6A\uFF05'],
  ['&', '\uFE60\uFF06'],
  [',', '\u201A\u0326\uFE50\u3001\uFE51\uFF0C\uFF64'],
  ['(', '\u2768\u276A\uFE59\uFF08\u27EE\u2985'],
  [')', '\u2769\u276B\uFE5A\uFF09\u27EF\u2986'],
  ['*', '\u204E\u2217\u229B\u2722\u2723\u2724\u2725\u2731\u2732\u2733\u273A\u273B\u273C\u273D\u2743\u2749\u274A\u274B\u29C6\uFE61\uFF0A'],
  ['+', '\u02D6\uFE62\uFF0B'],
  ['.', '\u3002\uFE52\uFF0E\uFF61'],
  [':', '\u02D0\u02F8\u2982\uA789\uFE13\uFF1A'],
  [';', '\u204F\uFE14\uFE54\uFF1B'],
  ['<', '\uFE64\uFF1C\u203A'],
  ['=', '\u0347\uA78A\uFE66\uFF1D'],
  ['>', '\uFE65\uFF1E\u2039'],
  ['?', '\uFE16\uFE56\uFF1F'],
  ['^', '\u02C6\u0302\uFF3E\u1DCD'],
  ['{', '\u2774\uFE5B\uFF5B'],
  ['}', '\u2775\uFE5C\uFF5D'],
  ['[', '\uFF3B'],
  [']', '\uFF3D'],
  ['~', '\u02DC\u02F7\u0303\u0330\u0334\u223C\uFF5E'],
  [' ', '\u00A0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u202F\u205F\u3000\u2028\u2029'],
  ['', '\u200B\u2060\uFEFF'],
];

const SMART_MAP: ReadonlyMap<string, string> = new Map([
  // Fullwidth digits and capitals, and small capitals, stand for their ASCII letters.
  ...[...'0123456789'].map((d, i) => [String.fromCharCode(0xff10 + i), d] as const),
  ...[...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [String.fromCharCode(0xff21 + i), c] as const),
  ...[...'ᴀʙᴄᴅᴇꜰɢʜɪᴊᴋʟᴍɴᴏᴘʀꜱᴛᴜᴠᴡʏᴢ'].map((small, i) => [small, 'ABCDEFGHIJKLMNOPRSTUVWYZ'[i]!] as const),
  ['\u00BC', '1/4'], ['\u00BD', '1/2'], ['\u00BE', '3/4'], ['\u203C', '!!'], ['\u2026', '...'],
  ...SMART_GROUPS.flatMap(([to, froms]) => [...froms].map((from) => [from, to] as const)),
]);

function isGsm7(ch: string): boolean {
  return GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch);
}

/**
 * The body Twilio sends with SmartEncoded=true: look-alikes replaced, but only when that leaves
 * the whole body GSM-7; otherwise it goes unchanged, as UCS-2 (Twilio: "if there are GSM7/ASCII
 * alternatives and no characters that can't be converted in the message, e.g. emoji",
 * https://www.twilio.com/blog/copilot-just-got-even-smarter-announcing-smart-encoding-html).
 */
export function smartEncode(body: string): { body: string; replaced: string[] } {
  if ([...body].every(isGsm7)) return { body, replaced: [] };
  let out = '';
  const replaced = new Set<string>();
  for (const ch of body) {
    const to = SMART_MAP.get(ch);
    if (to === undefined) out += ch;
    else {
      out += to;
      replaced.add(ch);
    }
  }
  return [...out].every(isGsm7) ? { body: out, replaced: [...replaced] } : { body, replaced: [] };
}

/** Parts needed when characters of these sizes are packed in order, none split across parts. */
function pack(sizes: number[], limits: { single: number; part: number }): number {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= limits.single) return 1;
  let parts = 1;
  let free = limits.part;
  for (const size of sizes) {
    if (size > free) {
      parts += 1;
      free = limits.part;
    }
    free -= size;
  }
  return parts;
}

export function segmentInfo(body: string, options: { smartEncoding?: boolean } = {}): SegmentInfo {
  const smart = options.smartEncoding ? smartEncode(body) : { body, replaced: [] };
  const chars = [...smart.body];
  const ucs2Character = chars.find((ch) => !isGsm7(ch)) ?? null;
  const encoding: SmsEncoding = ucs2Character === null ? 'GSM-7' : 'UCS-2';
  // GSM-7 extension characters take two septets; in UCS-2 a character takes its UTF-16 length.
  const sizes = chars.map((ch) => (encoding === 'GSM-7' ? (GSM7_EXTENSION.has(ch) ? 2 : 1) : ch.length));
  const limits = encoding === 'GSM-7' ? GSM7 : UCS2;
  const segments = pack(sizes, limits);
  return {
    encoding,
    segments,
    units: sizes.reduce((a, b) => a + b, 0),
    perSegment: segments === 1 ? limits.single : limits.part,
    ucs2Character,
    countedTwice: [...new Set(chars.filter((_, i) => sizes[i] === 2))],
    smartReplaced: smart.replaced,
  };
}

/** A character as the model should read it: quoted, with its code point (it may be invisible). */
function named(ch: string): string {
  return `"${ch}" (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

function listed(chars: string[], max = 5): string {
  const shown = chars.slice(0, max).map((ch) => (ch === '\f' ? 'form feed' : `\`${ch}\``));
  return `${shown.join(' ')}${chars.length > max ? ' …' : ''}`;
}

/**
 * Plain words: "2 segments (GSM-7, 170 characters at 153 per part; `€` counts twice)",
 * "1 segment (UCS-2 because of "😀" (U+1F600): 12 of 70 per single message, 67 per part; `😀` counts twice)".
 */
export function describeSegments(info: SegmentInfo): string {
  const count = `${info.segments} segment${info.segments === 1 ? '' : 's'}`;
  const size = info.segments === 1 ? `${info.units} of ${info.perSegment}` : `${info.units} characters at ${info.perSegment} per part`;
  const why =
    info.encoding === 'GSM-7'
      ? `GSM-7, ${size}${info.segments === 1 ? ' characters' : ''}`
      : `UCS-2 because of ${named(info.ucs2Character!)}: ${info.segments === 1 ? `${info.units} of 70 per single message, 67 per part` : `${info.units} characters at 67 per part (70 in a single message)`}`;
  const twice = info.countedTwice.length ? `; ${listed(info.countedTwice)} count${info.countedTwice.length === 1 ? 's' : ''} twice` : '';
  const smart = info.smartReplaced.length ? `; Smart Encoding replaces ${listed(info.smartReplaced)} to stay GSM-7` : '';
  return `${count} (${why}${twice}${smart})`;
}
