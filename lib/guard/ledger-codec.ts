/**
 * An owner's cap ledger as it is stored in Sync (an item of `guard_ledgers`), small enough by
 * construction: Sync refuses item data over 16 KiB of JSON (54006), and a refused ledger write
 * refuses every send (the guard fails closed).
 *
 * The caps count the last minute's sends one by one (send-caps.ts). With a per-minute cap that
 * list stays at the cap, but a per-recipient cap alone puts no bound on it: it grows with the
 * send rate (at 42 B a send as `{at, to}` objects, 16 KiB by about 390 sends a minute). Its
 * bound comes from Sync instead: each counted send is a write of the `guard_ledgers` Map, and Sync
 * takes at most 20 writes a second per object over a 10 s burst window (429 / 54009 beyond), so no
 * 60 s window can hold more than MAX_MINUTE_SENDS counted sends of all owners together. Keeping
 * the newest MAX_MINUTE_SENDS therefore drops nothing a cap can see, and the caps decide exactly as
 * on the whole list. (Were Sync to let more through, the oldest beyond it would be forgotten: the
 * item stays writable rather than every send failing.)
 *
 * To fit that many in 16 KiB, the minute's sends are stored as one string of 11-character tokens:
 * the send's time as 3 base64url digits of milliseconds after `base` (< 64³ = 262,144 ms, over
 * four minutes), then the recipient as 8 base64url characters, 48 bits of a SHA-256 of the number
 * (recipientKey). Two numbers sharing a key would share a per-recipient count, which can only
 * refuse sooner, never let more through; among 1,200 recipients a minute the odds are ~3·10⁻⁹.
 * Largest item: 1,200 × 11 B + 61 minute buckets + 25 hour buckets ≈ 15.1 KB (MAX_LEDGER_BYTES,
 * checked in test/unit/ledger-codec.test.ts).
 *
 * Ledgers written before this form (`minute: [{at, to}]`) are still read; their recipients, in
 * another key, then match no new send for the minute they have left.
 */
import { sha256 } from '../crypto';
import * as z from 'zod';
import type { CapLedger } from './send-caps';

/** 20 writes/s × 60 s: the most counted sends Sync lets into one minute of `guard_ledgers`. */
export const MAX_MINUTE_SENDS = 20 * 60;

const DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const TIME_CHARS = 3;
const RECIPIENT_CHARS = 8;
const TOKEN_CHARS = TIME_CHARS + RECIPIENT_CHARS;
const MAX_OFFSET = DIGITS.length ** TIME_CHARS - 1;
const RECIPIENT = /^[A-Za-z0-9_-]{8}$/;

/** A recipient's key in the ledger: 48 bits of SHA-256 of the number, as 8 base64url characters. */
export function recipientKey(to: string): string {
  return sha256(to).toString('base64url').slice(0, RECIPIENT_CHARS);
}

const Buckets = z.record(z.string(), z.number());
const StoredLedger = z.object({ base: z.number(), sends: z.string(), hour: Buckets, day: Buckets });
const LegacyLedger = z.object({ minute: z.array(z.object({ at: z.number(), to: z.string() })), hour: Buckets, day: Buckets });
export type StoredLedger = z.infer<typeof StoredLedger>;

function encodeOffset(offset: number): string {
  let text = '';
  for (let i = 0; i < TIME_CHARS; i++, offset = Math.floor(offset / DIGITS.length)) text = DIGITS[offset % DIGITS.length] + text;
  return text;
}

function decodeOffset(text: string): number {
  let value = 0;
  for (const char of text) {
    const digit = DIGITS.indexOf(char);
    if (digit < 0) return Number.NaN;
    value = value * DIGITS.length + digit;
  }
  return value;
}

/** The ledger as written to Sync: the newest MAX_MINUTE_SENDS of the minute, in tokens. */
export function encodeLedger(ledger: CapLedger): StoredLedger {
  const sends = [...ledger.minute].sort((a, b) => a.at - b.at).slice(-MAX_MINUTE_SENDS);
  const newest = sends.at(-1)?.at ?? 0;
  // Anything more than MAX_OFFSET ms older than the newest is outside every one-minute window.
  const kept = sends.filter((send) => newest - send.at <= MAX_OFFSET);
  const base = kept[0]?.at ?? 0;
  const text = kept.map((send) => encodeOffset(send.at - base) + (RECIPIENT.test(send.to) ? send.to : recipientKey(send.to))).join('');
  return { base, sends: text, hour: ledger.hour, day: ledger.day };
}

/** The ledger read from Sync (either form), or null when the data is not a ledger. */
export function decodeLedger(data: unknown): CapLedger | null {
  const stored = StoredLedger.safeParse(data);
  if (stored.success) {
    const { base, sends, hour, day } = stored.data;
    if (sends.length % TOKEN_CHARS !== 0) return null;
    const minute: CapLedger['minute'] = [];
    for (let i = 0; i < sends.length; i += TOKEN_CHARS) {
      const offset = decodeOffset(sends.slice(i, i + TIME_CHARS));
      if (Number.isNaN(offset)) return null;
      minute.push({ at: base + offset, to: sends.slice(i + TIME_CHARS, i + TOKEN_CHARS) });
    }
    return { minute, hour, day };
  }
  const legacy = LegacyLedger.safeParse(data);
  return legacy.success ? legacy.data : null;
}
