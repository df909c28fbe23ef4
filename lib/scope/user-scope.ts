/**
 * Whose bridge this is, and which numbers it may send from and read. LibreChat starts one process
 * per user when the entry carries a `{{LIBRECHAT_USER_*}}` placeholder: SMS_USER is then filled by
 * LibreChat with the signed-in user's identity, which the user cannot change, and SMS_USER_NUMBERS
 * (the administrator's) binds identities to Twilio numbers. Every read and send is then limited to
 * those numbers, and the user's "new since" cursor is their own, so nobody consumes anybody else's
 * messages. Without SMS_USER the bridge is one person's: its own sender number(s), one cursor.
 */
import { checkRecipientAddress } from '../whatsapp';
import { shortHash } from '../sync-names';

/** What this bridge may read and send from. */
export type UserScope =
  | {
      ok: true;
      /** SMS_USER as given, for logs and refusals; null for a one-person bridge. */
      identity: string | null;
      /** The key of this user's receive cursors in the inbox; null: the shared cursor. */
      reader: string | null;
      /** Our numbers this bridge may use, first = default sender; null: any (Messaging Service only). */
      numbers: string[] | null;
    }
  | { ok: false; reason: string };

export type UserNumbers = ReadonlyMap<string, readonly string[]>;

/** Identities compare without case and surrounding space: e-mail addresses are case-insensitive in practice. */
function normalize(identity: string): string {
  return identity.trim().toLowerCase();
}

/**
 * SMS_USER_NUMBERS: comma-separated `identity=+E164` pairs; an identity may appear several times.
 * The error names the entry by position: identities are personal data and stay out of logs.
 */
export function parseUserNumbers(raw: string): { ok: true; map: UserNumbers } | { ok: false; error: string } {
  const map = new Map<string, string[]>();
  const entries = raw.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const [position, entry] of entries.entries()) {
    const at = entry.lastIndexOf('=');
    const identity = normalize(at > 0 ? entry.slice(0, at) : '');
    // A WhatsApp sender is written whatsapp:+E164 (lib/whatsapp.ts).
    const phone = checkRecipientAddress(at > 0 ? entry.slice(at + 1) : '');
    if (identity === '' || !phone.ok) {
      return { ok: false, error: `SMS_USER_NUMBERS entry ${position + 1} is not "identity=+E164" (e.g. alice@example.com=+14155550100): ${identity === '' ? 'the identity before "=" is missing' : 'the number after "=" is not an E.164 number'}.` };
    }
    const numbers = map.get(identity) ?? [];
    if (!numbers.includes(phone.address)) numbers.push(phone.address);
    map.set(identity, numbers);
  }
  if (map.size === 0) return { ok: false, error: 'SMS_USER_NUMBERS has no entries. Use "identity=+E164" pairs, e.g. alice@example.com=+14155550100, or leave it unset.' };
  return { ok: true, map };
}

/** A stable key for a user's cursors that keeps the identity itself out of Sync. */
export function readerKey(identity: string): string {
  return `u_${shortHash(normalize(identity))}`;
}

/** `own`: a one-person bridge's number, or its numbers (SMS and WhatsApp, hosts/env-config.ts ownNumbers). */
export function resolveScope(identity: string | undefined, userNumbers: UserNumbers | undefined, own: string | readonly string[] | undefined): UserScope {
  if (userNumbers) {
    if (identity === undefined) {
      return { ok: false, reason: 'This server is set up for several users (SMS_USER_NUMBERS), but no user identity reached it. The administrator must pass SMS_USER: "{{LIBRECHAT_USER_EMAIL}}" in its librechat.yaml env.' };
    }
    const numbers = userNumbers.get(normalize(identity));
    if (!numbers) {
      return { ok: false, reason: `No Twilio number is assigned to ${identity.trim()} on this server. Ask the administrator to add "${identity.trim()}=+<your number>" to SMS_USER_NUMBERS.` };
    }
    return { ok: true, identity: identity.trim(), reader: readerKey(identity), numbers: [...numbers] };
  }
  const list = typeof own === 'string' ? [own] : own ?? [];
  const numbers = list.filter(Boolean).length ? list.filter(Boolean) : null;
  return identity === undefined ? { ok: true, identity: null, reader: null, numbers } : { ok: true, identity: identity.trim(), reader: readerKey(identity), numbers };
}
