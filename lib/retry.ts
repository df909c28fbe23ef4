/**
 * Bounded retry with exponential backoff and full jitter, as Twilio advises for 429 (Sync 54009)
 * and 5xx. Only for calls that are safe to repeat: callers that create things pass their own
 * `shouldRetry` or make the create idempotent first.
 */
import { isTransient, readFailure } from './twilio-errors';

export interface RetryPolicy {
  /** Total tries, the first included. */
  attempts: number;
  /**
   * Total tries while the failure is a 429 (default: attempts). Sync's per-object limits clear
   * within their 10 s window, so a caller with a budget of its own (a webhook) may wait them out.
   */
  throttledAttempts?: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up when the next wait would end after this many ms from the start. */
  budgetMs: number;
  /**
   * Give up when the next wait would end at or after this time (ms since the epoch): one request's
   * whole budget across all its calls, e.g. a webhook that must answer within Twilio's 15 s.
   */
  deadline?: number;
}

/** Fits inside Twilio's 15 s webhook limit with room to answer. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 2000, budgetMs: 9000 };

export interface RetryDeps {
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY,
  shouldRetry: (error: unknown) => boolean = isTransient,
  deps: RetryDeps = {},
): Promise<T> {
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const tries = readFailure(error).status === 429 ? (policy.throttledAttempts ?? policy.attempts) : policy.attempts;
      if (attempt >= tries || !shouldRetry(error)) throw error;
      const delay = Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
      if (now() - started + delay > policy.budgetMs) throw error;
      if (policy.deadline !== undefined && now() + delay >= policy.deadline) throw error;
      await sleep(delay);
    }
  }
}
