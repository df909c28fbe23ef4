/**
 * Twilio's default opt-out handling for long codes and toll-free numbers (Twilio's "Twilio support
 * for opt-out keywords (SMS STOP filtering)", help.twilio.com/hc/en-us/articles/223134027, and the
 * Advanced Opt-Out guide, twilio.com/docs/messaging/tutorials/advanced-opt-out): a message that is
 * only one of these keywords, in any case, opts its sender out of, or back into, messages from our
 * number; "STOP PLEASE" does nothing. Twilio then blocks sends itself (error 21610); the store
 * mirrors the state so that the bridge refuses before calling Twilio. HELP and INFO are answered
 * by Twilio and change nothing.
 *
 * WhatsApp: Twilio's default STOP filtering is documented for long codes and toll-free numbers
 * (the article above); a WhatsApp STOP is not blocked by it. Advanced Opt-Out's keywords do apply
 * to WhatsApp senders in the Messaging Service ("Custom opt-out settings also apply to any WhatsApp
 * senders in the Messaging Service", help.twilio.com "Getting Started with Advanced Opt-Out for
 * Messaging Services", 360034798533), and then OptOutType comes with the webhook. So the product
 * applies the same keywords to a WhatsApp message, in that WhatsApp conversation only (a
 * conversation is our address and theirs, channel included): a WhatsApp STOP does not stop SMS,
 * nor an SMS STOP WhatsApp; and since Twilio may still deliver, the bridge's refusal is what keeps
 * the promise (server/send/rules.ts), until they send START. Meta's policy asks businesses to honour
 * opt-out requests on WhatsApp too (https://www.twilio.com/docs/api/errors/63014).
 *
 * Whitespace and punctuation around the keyword are ignored ("Stop."): where Twilio's reading may
 * be stricter, this errs towards the person who asked not to be texted, and a send Twilio would
 * still have taken is only refused until they text START.
 */
export const OPT_OUT_KEYWORDS: ReadonlySet<string> = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
export const OPT_IN_KEYWORDS: ReadonlySet<string> = new Set(['START', 'YES', 'UNSTOP']);
export const HELP_KEYWORDS: ReadonlySet<string> = new Set(['HELP', 'INFO']);

/**
 * Twilio's webhook parameter OptOutType, sent only with Advanced Opt-Out on a Messaging Service,
 * whose keywords are the account's own (other words, other languages): when present it decides.
 */
export type OptOutType = 'STOP' | 'START' | 'HELP';

export function parseOptOutType(value: string | undefined): OptOutType | undefined {
  const type = value?.trim().toUpperCase();
  return type === 'STOP' || type === 'START' || type === 'HELP' ? type : undefined;
}

/** true: opted out; false: opted back in; undefined: no change. */
export function optOutChange(body: string, optOutType?: OptOutType): boolean | undefined {
  if (optOutType !== undefined) return optOutType === 'STOP' ? true : optOutType === 'START' ? false : undefined;
  const word = body.trim().replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '').toUpperCase();
  if (OPT_OUT_KEYWORDS.has(word)) return true;
  if (OPT_IN_KEYWORDS.has(word)) return false;
  return undefined;
}

/** Twilio: "Attempt to send to unsubscribed recipient". */
export const UNSUBSCRIBED_RECIPIENT = 21610;
