/**
 * Twilio's default opt-out handling for long codes and toll-free numbers: a message that is
 * exactly one of these keywords (any case, surrounding whitespace and punctuation ignored) opts
 * the sender out of, or back into, messages from our number. Twilio then blocks sends itself
 * (error 21610); the store mirrors the state so the bridge can refuse before calling Twilio.
 */
const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const OPT_IN = new Set(['START', 'YES', 'UNSTOP']);

/** true: opted out; false: opted back in; undefined: not a keyword. */
export function optOutChange(body: string): boolean | undefined {
  const word = body.trim().replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '').toUpperCase();
  if (OPT_OUT.has(word)) return true;
  if (OPT_IN.has(word)) return false;
  return undefined;
}

/** Twilio: "Attempt to send to unsubscribed recipient". */
export const UNSUBSCRIBED_RECIPIENT = 21610;
