/**
 * WhatsApp through the same Messages API: its addresses and its 24-hour window, shared by the
 * Functions (webhook From/To), the store and the bridge. The one copy of these rules in the product
 * (the emulator keeps its own, emulator/whatsapp.ts, as the oracle).
 *
 * Addresses. Twilio writes a WhatsApp party as `whatsapp:` + E.164 in To and From
 * (https://www.twilio.com/docs/whatsapp/api). The identifier after the prefix is a phone number
 * today, but Meta is rolling out usernames and business-scoped user ids through 2026, after which a
 * webhook may carry no phone number for some users, in a form Twilio has not documented yet. So a
 * stored WhatsApp address is never assumed to be a phone number: it is kept as Twilio sent it, and
 * only the rules that need a number (sending, the allowlist, quiet hours) parse one out of it, and
 * refuse, saying why, when there is none.
 *
 * Conversations. A conversation is our address and theirs, channel included
 * (lib/conversation-id.ts hashes both as given), so the WhatsApp conversation with +14155550100 is
 * not the SMS one, and SMS conversation ids are what they always were.
 */
import { checkE164, type PhoneCheck } from './phone';

export type Channel = 'sms' | 'whatsapp';

export const WHATSAPP_PREFIX = 'whatsapp:';

export function channelOf(address: string): Channel {
  return address.trim().toLowerCase().startsWith(WHATSAPP_PREFIX) ? 'whatsapp' : 'sms';
}

/** The identifier after `whatsapp:` (usually, not always, an E.164 number); an SMS address as it is. */
export function bareAddress(address: string): string {
  return channelOf(address) === 'whatsapp' ? address.trim().slice(WHATSAPP_PREFIX.length) : address;
}

/** `whatsapp:` + the identifier. */
export function whatsappAddress(identifier: string): string {
  return `${WHATSAPP_PREFIX}${identifier}`;
}

/** The phone number behind an address, or null (a WhatsApp user known by another identifier). */
export function phoneNumberOf(address: string): string | null {
  const bare = bareAddress(address);
  return /^\+[1-9]\d{1,14}$/.test(bare) ? bare : null;
}

export type AddressCheck = { ok: true; address: string; channel: Channel; phone: string } | { ok: false; reason: string };

/**
 * A recipient send_sms can text: an E.164 number (SMS), or `whatsapp:` + an E.164 number. Twilio
 * takes only phone numbers in a WhatsApp To today; the reason says what to fix otherwise.
 */
export function checkRecipientAddress(input: string): AddressCheck {
  const raw = input.trim();
  if (channelOf(raw) === 'sms') {
    const phone: PhoneCheck = checkE164(raw);
    return phone.ok ? { ok: true, address: phone.e164, channel: 'sms', phone: phone.e164 } : phone;
  }
  const phone = checkE164(raw.slice(WHATSAPP_PREFIX.length));
  if (!phone.ok) return { ok: false, reason: `WhatsApp recipients are written whatsapp:+E.164, e.g. whatsapp:+14155550100. ${phone.reason}` };
  return { ok: true, address: whatsappAddress(phone.e164), channel: 'whatsapp', phone: phone.e164 };
}

// ── The 24-hour customer service window ────────────────────────────────────────────────────────

/**
 * "Business-initiated messages sent outside the 24-hour customer service window must use an
 * approved template" (https://www.twilio.com/docs/api/errors/63016): a free-form message is allowed
 * only within 24 hours of the user's last inbound message; Twilio fails it with 63016 otherwise,
 * after taking it. Since 2025-04-01 a template's text sent in Body fails the same way.
 */
export const WINDOW_MS = 24 * 3600_000;

/**
 * The store knows when our Function received the user's message, a little after Twilio did, and
 * Twilio decides when it processes ours: the window is taken to close this much earlier than 24
 * hours after the stored time, so that a send the bridge lets through is not one Twilio fails.
 */
export const WINDOW_MARGIN_MS = 2 * 60_000;

export type WindowState =
  /** Free-form messages may go until `until`. */
  | { open: true; until: string }
  /** Only a template may go: the window closed at `closedAt`, or never opened (null: they never wrote). */
  | { open: false; closedAt: string | null };

/** The window of a WhatsApp conversation whose user last wrote at `lastInboundAt` (ISO 8601, or undefined). */
export function windowAt(lastInboundAt: string | undefined | null, now: Date): WindowState {
  const last = lastInboundAt ? Date.parse(lastInboundAt) : Number.NaN;
  if (Number.isNaN(last)) return { open: false, closedAt: null };
  const closes = last + WINDOW_MS - WINDOW_MARGIN_MS;
  const iso = new Date(closes).toISOString();
  return closes > now.getTime() ? { open: true, until: iso } : { open: false, closedAt: iso };
}

/** The window in words, for tools' texts. */
export function describeWindow(state: WindowState): string {
  if (state.open) return `24-hour window open until ${state.until}`;
  return state.closedAt ? `24-hour window closed at ${state.closedAt}: templates only` : '24-hour window not open (they have not written): templates only';
}

// ── Templates ─────────────────────────────────────────────────────────────────────────────────

export const CONTENT_SID = /^HX[0-9a-fA-F]{32}$/;

/**
 * ContentVariables (https://www.twilio.com/docs/content-api/using-variables-with-content-api): a
 * JSON object as a string, at most 100 variables, keys at most 16 characters, values at most 255;
 * Twilio refuses null or empty values (21656, https://twilio.com/docs/api/errors/21656).
 */
export function checkContentVariables(raw: string): { ok: true } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'contentVariables must be a JSON object as a string, e.g. {"1":"Ana","2":"Friday"}.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'contentVariables must be a JSON object as a string, e.g. {"1":"Ana","2":"Friday"}.' };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 100) return { ok: false, reason: `contentVariables has ${entries.length} variables; Twilio allows at most 100.` };
  for (const [key, v] of entries) {
    if (key.length > 16) return { ok: false, reason: `The variable name "${key.slice(0, 20)}…" is over 16 characters (Twilio's limit).` };
    if (typeof v !== 'string' || v === '') return { ok: false, reason: `Variable "${key}" must be a non-empty string (Twilio refuses empty or null values, error 21656).` };
    if (v.length > 255) return { ok: false, reason: `Variable "${key}" is ${v.length} characters; Twilio allows at most 255.` };
  }
  return { ok: true };
}
