/**
 * SMS segment count as Twilio reports it in num_segments, written apart from the product's
 * lib/segments.ts so the emulator stays an oracle for it: GSM-7 fits 160 septets in one segment
 * and 153 per segment when concatenated; an escape-table character takes two septets and is never
 * split from its escape across segments. Anything outside GSM-7 goes UCS-2: 70 / 67 UTF-16 units,
 * an astral character (emoji) two units that stay in one segment.
 */
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
/** Escape-table characters cost two septets each. */
const GSM7_EXTENDED = new Set('^{}\\[~]|€\f');

export interface SegmentInfo {
  encoding: 'GSM-7' | 'UCS-2';
  segments: number;
}

/** How many segments of `part` units hold these costs in order, no cost split across two. */
function segmentsFor(costs: number[], single: number, part: number): number {
  let total = 0;
  for (const cost of costs) total += cost;
  if (total <= single) return 1;
  let used = 0;
  let count = 1;
  for (const cost of costs) {
    if (used + cost > part) {
      count++;
      used = 0;
    }
    used += cost;
  }
  return count;
}

function septets(ch: string): number | null {
  if (GSM7_BASIC.has(ch)) return 1;
  if (GSM7_EXTENDED.has(ch)) return 2;
  return null;
}

export function countSegments(body: string): SegmentInfo {
  const chars = Array.from(body);
  const gsmCosts: number[] = [];
  for (const ch of chars) {
    const cost = septets(ch);
    if (cost === null) {
      // UTF-16 code units: astral characters (emoji) take two
      return { encoding: 'UCS-2', segments: segmentsFor(chars.map((c) => c.length), 70, 67) };
    }
    gsmCosts.push(cost);
  }
  return { encoding: 'GSM-7', segments: segmentsFor(gsmCosts, 160, 153) };
}

/**
 * SmartEncoded=true: Twilio's table of look-alikes (docs: "List of characters replaced by Smart
 * Encoding", twilio.com/docs/messaging/services/smart-encoding-char-list), by code point. Twilio
 * replaces only when the result is all GSM-7; otherwise the body goes unchanged, as UCS-2.
 */
const LOOK_ALIKES: ReadonlyArray<readonly [string, readonly number[]]> = [
  ['"', [0xab, 0xbb, 0x201c, 0x201d, 0x2ba, 0x2ee, 0x201f, 0x275d, 0x275e, 0x301d, 0x301e, 0xff02, 0x201e]],
  ["'", [0x2018, 0x2019, 0x2bb, 0x2c8, 0x2bc, 0x2bd, 0x2b9, 0x201b, 0xff07, 0xb4, 0x2ca, 0x60, 0x2cb, 0x275b, 0x275c, 0x313, 0x314, 0xfe10, 0xfe11]],
  ['/', [0xf7, 0x29f8, 0x337, 0x338, 0x2044, 0x2215, 0xff0f]],
  ['\\', [0x29f9, 0x29f5, 0x20e5, 0xfe68, 0xff3c]],
  ['_', [0x332, 0xff3f, 0x2017]],
  ['|', [0x20d2, 0x20d3, 0x2223, 0xff5c, 0x23b8, 0x23b9, 0x23d0, 0x239c, 0x239f]],
  ['-', [0x23bc, 0x23bd, 0x2015, 0xfe63, 0xff0d, 0x2010, 0x2043, 0x2022, 0x2013, 0x2014]],
  ['@', [0xfe6b, 0xff20]],
  ['$', [0xfe69, 0xff04]],
  ['!', [0x1c3, 0xfe15, 0xfe57, 0xff01]],
  ['#', [0xfe5f, 0xff03]],
  ['%', [0xfe6a, 0xff05]],
  ['&', [0xfe60, 0xff06]],
  [',', [0x201a, 0x326, 0xfe50, 0x3001, 0xfe51, 0xff0c, 0xff64]],
  ['(', [0x2768, 0x276a, 0xfe59, 0xff08, 0x27ee, 0x2985]],
  [')', [0x2769, 0x276b, 0xfe5a, 0xff09, 0x27ef, 0x2986]],
  ['*', [0x204e, 0x2217, 0x229b, 0x2722, 0x2723, 0x2724, 0x2725, 0x2731, 0x2732, 0x2733, 0x273a, 0x273b, 0x273c, 0x273d, 0x2743, 0x2749, 0x274a, 0x274b, 0x29c6, 0xfe61, 0xff0a]],
  ['+', [0x2d6, 0xfe62, 0xff0b]],
  ['.', [0x3002, 0xfe52, 0xff0e, 0xff61]],
  [':', [0x2d0, 0x2f8, 0x2982, 0xa789, 0xfe13, 0xff1a]],
  [';', [0x204f, 0xfe14, 0xfe54, 0xff1b]],
  ['<', [0xfe64, 0xff1c, 0x203a]],
  ['=', [0x347, 0xa78a, 0xfe66, 0xff1d]],
  ['>', [0xfe65, 0xff1e, 0x2039]],
  ['?', [0xfe16, 0xfe56, 0xff1f]],
  ['^', [0x2c6, 0x302, 0xff3e, 0x1dcd]],
  ['{', [0x2774, 0xfe5b, 0xff5b]],
  ['}', [0x2775, 0xfe5c, 0xff5d]],
  ['[', [0xff3b]],
  [']', [0xff3d]],
  ['~', [0x2dc, 0x2f7, 0x303, 0x330, 0x334, 0x223c, 0xff5e]],
  [' ', [0xa0, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x202f, 0x205f, 0x3000, 0x2028, 0x2029]],
  ['', [0x200b, 0x2060, 0xfeff]],
  ['1/4', [0xbc]],
  ['1/2', [0xbd]],
  ['3/4', [0xbe]],
  ['!!', [0x203c]],
  ['...', [0x2026]],
  // Small capitals, in A…Z order (no Q or X in Twilio's table).
  ...Array.from('ABCDEFGHIJKLMNOPRSTUVWYZ', (letter, i) =>
    [letter, [[0x1d00, 0x299, 0x1d04, 0x1d05, 0x1d07, 0xa730, 0x262, 0x29c, 0x26a, 0x1d0a, 0x1d0b, 0x29f, 0x1d0d, 0x274, 0x1d0f, 0x1d18, 0x280, 0xa731, 0x1d1b, 0x1d1c, 0x1d20, 0x1d21, 0x28f, 0x1d22][i]!]] as const),
];

const REPLACEMENT = new Map<number, string>();
for (const [to, codes] of LOOK_ALIKES) for (const code of codes) REPLACEMENT.set(code, to);
// Fullwidth digits and capital letters (U+FF10–FF19, U+FF21–FF3A) stand for their ASCII forms.
for (let i = 0; i < 10; i++) REPLACEMENT.set(0xff10 + i, String(i));
for (let i = 0; i < 26; i++) REPLACEMENT.set(0xff21 + i, String.fromCharCode(0x41 + i));

export function smartEncodeBody(body: string): string {
  if (countSegments(body).encoding === 'GSM-7') return body;
  const replaced = Array.from(body, (ch) => REPLACEMENT.get(ch.codePointAt(0)!) ?? ch).join('');
  return countSegments(replaced).encoding === 'GSM-7' ? replaced : body;
}
