/**
 * Phone-number rules shared by the bridge (send_sms `to`) and the Functions (webhook From/To).
 * libphonenumber-js knows every country's number plan; a regex alone would accept +15551234567.
 */
import { parsePhoneNumberFromString, validatePhoneNumberLength } from 'libphonenumber-js';

const E164 = /^\+[1-9]\d{1,14}$/;

export type PhoneCheck = { ok: true; e164: string } | { ok: false; reason: string };

/**
 * The input as a reason quotes it. An E.164 number has at most 16 characters; a reason echoing an
 * unbounded input (100,000 digits) into a tool result would flood the model's context, so
 * anything much longer is cut.
 */
function quoted(raw: string): string {
  return raw.length > 40 ? `${raw.slice(0, 24)}… (${raw.length} characters)` : raw;
}

/** Accepts only a valid E.164 number (`+` country code, digits, nothing else); says what to fix. */
export function checkE164(input: string): PhoneCheck {
  const raw = input.trim();
  if (raw === '') return { ok: false, reason: 'The phone number is empty. Give it in E.164 format, e.g. +14155550100.' };
  const parsed = parsePhoneNumberFromString(raw);
  if (!E164.test(raw)) {
    if (!raw.startsWith('+')) {
      return {
        ok: false,
        reason: `"${quoted(raw)}" has no country code. Write it in E.164 format: + then the country code and number, e.g. +14155550100.`,
      };
    }
    if (parsed?.isValid()) {
      return { ok: false, reason: `"${quoted(raw)}" must be written without spaces or punctuation: ${parsed.number}.` };
    }
    return { ok: false, reason: `"${quoted(raw)}" is not an E.164 number: only + followed by up to 15 digits is allowed, e.g. +14155550100.` };
  }
  const length = validatePhoneNumberLength(raw);
  if (length === 'TOO_SHORT' || length === 'TOO_LONG') {
    return { ok: false, reason: `${raw} is ${length === 'TOO_SHORT' ? 'too short' : 'too long'} for its country. Check the digits.` };
  }
  if (length === 'INVALID_COUNTRY') return { ok: false, reason: `${raw} does not start with a known country code. Check the digits after +.` };
  if (!parsed?.isValid()) {
    return { ok: false, reason: `${raw} is not a valid phone number${parsed?.country ? ` in ${parsed.country}` : ''}: no such number range. Check the digits.` };
  }
  return { ok: true, e164: parsed.number };
}
