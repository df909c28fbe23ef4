/**
 * Twilio's default STOP filtering, as Twilio itself applies it (the emulator keeps its own copy of
 * the keywords, apart from the product's lib/opt-out.ts, so that it can catch the product out):
 *
 * - "Twilio support for opt-out keywords (SMS STOP filtering)",
 *   https://help.twilio.com/articles/223134027 (support.twilio.com/hc/en-us/articles/223134027):
 *   an inbound message that is only one of STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT (REVOKE
 *   and OPTOUT added since) blocks the sender from the Twilio number it texted; "STOP PLEASE" does
 *   not. Then "any future attempts to message them will be met with a 400 response from our API,
 *   along with Error Code 21610" (no Message resource, nothing billed) until they text START, YES
 *   or UNSTOP. The block works "even if your number currently has no messaging request URL".
 *   Since 2026-03 the same article says a STOP blocks sends "from that same Sender or Messaging
 *   Service".
 * - A Messaging Service: the opt-out covers the whole service, every sender in its pool
 *   (https://www.twilio.com/docs/proxy/opt-out-keywords: "Unlike with a Messaging Service,
 *   opt-out keyword replies will not apply to the entire pool of phone numbers in a Proxy Service
 *   pool"), so a block is kept per service for its numbers and per number for the others.
 *
 * Reading the keyword: any case, surrounding whitespace ignored (the articles' examples reply
 * "stop", "Stop"); punctuation is not documented, so "Stop." is not a keyword here, stricter than
 * the product, which errs towards the person (lib/opt-out.ts). HELP/INFO change nothing.
 */
export const TWILIO_OPT_OUT_WORDS: ReadonlySet<string> = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
export const TWILIO_OPT_IN_WORDS: ReadonlySet<string> = new Set(['START', 'YES', 'UNSTOP']);

/** Twilio's answer to a create for a blocked pair: 400 with this code and message. */
export const UNSUBSCRIBED_CODE = 21610;
export const UNSUBSCRIBED_MESSAGE = 'Attempt to send to unsubscribed recipient';

/** What a body does to the block: 'out', 'in', or null for any other text. */
export function keywordOf(body: string): 'out' | 'in' | null {
  const word = body.trim().toUpperCase();
  if (TWILIO_OPT_OUT_WORDS.has(word)) return 'out';
  if (TWILIO_OPT_IN_WORDS.has(word)) return 'in';
  return null;
}

/**
 * The blocked (sender, handset) pairs. A sender is a scope: the Messaging Service SID for a number
 * in a service's pool, else the number itself (see scopeOf in the callers).
 */
export class OptOutList {
  private readonly blocked = new Set<string>();

  /** Applies an inbound body from `handset` to `scope`; returns what changed, if anything. */
  apply(scope: string, handset: string, body: string): 'out' | 'in' | null {
    const change = keywordOf(body);
    if (change === 'out') this.blocked.add(key(scope, handset));
    if (change === 'in') this.blocked.delete(key(scope, handset));
    return change;
  }

  isBlocked(scopes: readonly string[], handset: string): boolean {
    return scopes.some((scope) => this.blocked.has(key(scope, handset)));
  }
}

function key(scope: string, handset: string): string {
  return `${scope}|${handset}`;
}
