/**
 * How long one tool call may take. LibreChat (and the SDK's client) give up on a request after
 * its timeout, 60 s unless the entry sets `timeout`, and send no progress token, so progress
 * notifications cannot extend it. A result that arrives later is thrown away, and a send or a
 * receive that happened is then reported as a failure. Every call therefore answers safely
 * before CLIENT_TIMEOUT_SECONDS: waiting stops first, leaving time for the last Sync calls.
 *
 * A call's time is three parts: waiting (for a delivery receipt, a reply, the human's approval),
 * the Sync calls after the wait, and the margin for the answer. From 15 s up the last two are
 * 5 s each. Under 15 s each part is a third of the timeout, never less than what it needs
 * (MIN_ANSWER_MARGIN_MS, MIN_AFTER_WAIT_MS): a short timeout shortens the waits, and a call that
 * cannot wait still sends, or answers "no reply yet, call again". Only below
 * MIN_CLIENT_TIMEOUT_SECONDS is there no time for a call's own Twilio calls, and the bridge refuses
 * to start (config.ts).
 */

/** Room for the answer to travel, and for the client's clock starting before ours. */
export const ANSWER_MARGIN_MS = 5_000;
/** Room after a wait for the take or record that follows it (a few Sync round trips). */
export const AFTER_WAIT_MS = 5_000;
/** From this timeout up, both margins are whole (5 s + 5 s, and at least 5 s of waiting). */
export const FULL_MARGINS_FROM_SECONDS = 15;

/**
 * Over stdio the answer travels in well under a millisecond; a second covers an event loop busy
 * with another call and the client's clock having started when it wrote the request.
 */
export const MIN_ANSWER_MARGIN_MS = 1_000;
/**
 * What follows a wait: the take (the thread's new page, the cursor write, the inbox entry) or the
 * status record, at most 3 Sync round trips (the bench's target for reads), 0.1–0.5 s each.
 */
export const MIN_AFTER_WAIT_MS = 2_000;
/**
 * The longest run of Twilio calls one call makes before any wait: wait_for_reply's first poll
 * (the conversation check, a reconciliation turn: its Sync state, a Messages list, the state back,
 * then the take), about 6 round trips; a send without waiting is the create + 3 (bench target).
 * At a slow 0.5 s a round trip, 3 s: the answer must not be due before that.
 */
export const MIN_WORK_MS = 3_000;
/**
 * The shortest client timeout the bridge serves: the smallest whole second whose answer is due
 * MIN_WORK_MS or later into the call (4.5 s with a third as margin, so 5). Below it a send's own
 * calls, or a wait's first poll, would end after the client gave up.
 */
export const MIN_CLIENT_TIMEOUT_SECONDS = 5;

export interface CallBudget {
  /** No Sync or REST call starts after this (ms since the epoch). */
  answerBy: number;
  /** Waiting (for a delivery receipt, for a reply) ends by this. */
  waitUntil: number;
}

/** The two margins under this timeout: whole from 15 s, else a third each, never below their minimums. */
export function margins(clientTimeoutSeconds: number): { answerMarginMs: number; afterWaitMs: number } {
  const third = (clientTimeoutSeconds * 1000) / 3;
  return {
    answerMarginMs: Math.round(Math.min(ANSWER_MARGIN_MS, Math.max(MIN_ANSWER_MARGIN_MS, third))),
    afterWaitMs: Math.round(Math.min(AFTER_WAIT_MS, Math.max(MIN_AFTER_WAIT_MS, third))),
  };
}

export function callBudget(clientTimeoutSeconds: number, startedAt: number): CallBudget {
  const { answerMarginMs, afterWaitMs } = margins(clientTimeoutSeconds);
  const answerBy = startedAt + clientTimeoutSeconds * 1000 - answerMarginMs;
  return { answerBy, waitUntil: Math.max(startedAt, answerBy - afterWaitMs) };
}

/** The longest wait a call can offer under this client timeout, in whole seconds. */
export function maxWaitSeconds(clientTimeoutSeconds: number): number {
  const { waitUntil } = callBudget(clientTimeoutSeconds, 0);
  return Math.floor(waitUntil / 1000);
}

/**
 * One line for the start-up log when the timeout is short enough to shorten the waits (under
 * FULL_MARGINS_FROM_SECONDS), saying what changed; null otherwise.
 */
export function shortTimeoutNote(clientTimeoutSeconds: number, sendWaitSeconds: number, confirmation: boolean): string | null {
  if (clientTimeoutSeconds >= FULL_MARGINS_FROM_SECONDS) return null;
  const { answerBy, waitUntil } = callBudget(clientTimeoutSeconds, 0);
  const wait = maxWaitSeconds(clientTimeoutSeconds);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  const details = [
    `wait_for_reply waits at most ${wait} s a call, then says "no reply yet, call again"`,
    sendWaitSeconds > wait ? `send_sms reports the status reached by then (SEND_WAIT_SECONDS ${sendWaitSeconds} cut to ${wait})` : null,
    confirmation ? `the approval prompt gives the human at most ${wait} s${wait < 10 ? ', too short for most people' : ''}` : null,
  ].filter((detail) => detail !== null);
  return `CLIENT_TIMEOUT_SECONDS is ${clientTimeoutSeconds}, under ${FULL_MARGINS_FROM_SECONDS}: waits end ${seconds(waitUntil)} into a call and answers are ready ${seconds(answerBy)} into it (${details.join('; ')}). For longer waits raise it and the client's timeout together.`;
}
