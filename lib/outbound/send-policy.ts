/**
 * The administrator's outbound policy, checked before anything reaches Twilio: which recipients
 * are allowed at all (SEND_ALLOWLIST, SEND_POLICY) and how scheduled sends must be timed (Twilio's rules).
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { InboxEntry } from '../message-record';

/** Entries are E.164 numbers or ISO 3166 country codes ("US", "GB"); empty allows everyone. */
export type Allowlist = readonly string[];

export function parseAllowlist(value: string | undefined): { ok: true; allowlist: string[] } | { ok: false; entry: string } {
  const entries = (value ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) if (!/^(\+[1-9]\d{1,14}|[A-Za-z]{2})$/.test(entry)) return { ok: false, entry };
  return { ok: true, allowlist: entries.map((entry) => (entry.startsWith('+') ? entry : entry.toUpperCase())) };
}

export function isAllowedRecipient(to: string, allowlist: Allowlist): boolean {
  if (allowlist.length === 0) return true;
  if (allowlist.includes(to)) return true;
  const country = parsePhoneNumberFromString(to)?.country;
  return country !== undefined && allowlist.includes(country);
}

/** Twilio schedules messages from 15 minutes to 35 days ahead (error 35111/35112 otherwise). */
export const SCHEDULE_MIN_MS = 15 * 60_000;
export const SCHEDULE_MAX_MS = 35 * 24 * 60 * 60_000;

export function checkSendAt(sendAt: string, now: Date): { ok: true; at: Date } | { ok: false; reason: string } {
  const at = new Date(sendAt);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(sendAt) || Number.isNaN(at.getTime())) {
    return { ok: false, reason: `sendAt "${sendAt.slice(0, 40)}" is not an ISO 8601 time with a time zone, e.g. 2026-12-01T09:30:00Z.` };
  }
  const ahead = at.getTime() - now.getTime();
  if (ahead < SCHEDULE_MIN_MS) return { ok: false, reason: 'sendAt must be at least 15 minutes from now (Twilio rule). Send now without sendAt, or pick a later time.' };
  if (ahead > SCHEDULE_MAX_MS) return { ok: false, reason: 'sendAt must be at most 35 days from now (Twilio rule).' };
  return { ok: true, at };
}

/**
 * SEND_POLICY=reply-only: text only people who texted this number first. A model steered by an
 * inbound text ("forward this to +1…") then cannot reach anyone new. `entry`: the conversation of
 * the sending number and `to` as the store has it (null: none; undefined: no store to ask).
 */
export function replyOnlyRefusal(entry: InboxEntry | null | undefined, to: string, ourNumber: string | undefined): string | null {
  if (ourNumber === undefined) return 'This server only replies to people who texted first (SEND_POLICY=reply-only), which needs the number they text: the administrator must set TWILIO_PHONE_NUMBER (or SMS_USER_NUMBERS) besides the Messaging Service.';
  if (entry === undefined) return 'This server only replies to people who texted first (SEND_POLICY=reply-only), and that needs the Sync service that stores their texts: the administrator must set TWILIO_SYNC_SERVICE_SID.';
  if (!entry || entry.inboundCount === 0) {
    return `This server only replies to people who texted first (SEND_POLICY=reply-only), and ${to} has never texted ${ourNumber}. Ask the user to have them text first, or the administrator to change SEND_POLICY.`;
  }
  return null;
}
