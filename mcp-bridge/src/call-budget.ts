/**
 * How long one tool call may take. LibreChat (and the SDK's client) give up on a request after
 * its timeout, 60 s unless the entry sets `timeout`, and send no progress token, so progress
 * notifications cannot extend it. A result that arrives later is thrown away, and a send or a
 * receive that happened is then reported as a failure. Every call therefore answers safely
 * before CLIENT_TIMEOUT_SECONDS: waiting stops first, leaving time for the last Sync calls.
 */

/** Room for the answer to travel, and for the client's clock starting before ours. */
export const ANSWER_MARGIN_MS = 5_000;
/** Room after a wait for the take or record that follows it (a few Sync round trips). */
export const AFTER_WAIT_MS = 5_000;

export interface CallBudget {
  /** No Sync or REST call starts after this (ms since the epoch). */
  answerBy: number;
  /** Waiting (for a delivery receipt, for a reply) ends by this. */
  waitUntil: number;
}

export function callBudget(clientTimeoutSeconds: number, startedAt: number): CallBudget {
  const answerBy = startedAt + clientTimeoutSeconds * 1000 - ANSWER_MARGIN_MS;
  return { answerBy, waitUntil: Math.max(startedAt, answerBy - AFTER_WAIT_MS) };
}

/** The longest wait a call can offer under this client timeout, in whole seconds. */
export function maxWaitSeconds(clientTimeoutSeconds: number): number {
  const { waitUntil } = callBudget(clientTimeoutSeconds, 0);
  return Math.floor(waitUntil / 1000);
}
