/**
 * The message as Twilio has it after the create: its status read until final, the sender a
 * Messaging Service picked, and, after an ambiguous create, the lookup in the message log.
 */
import { FINAL_STATUSES, isMessageStatus, type MessageStatus } from '../../../../lib/message-status';
import { senderPool } from '../../../../lib/outbound/sender-pool';
import { withRetry } from '../../../../lib/retry';
import type { TwilioClient } from '../../../../lib/twilio-client';
import { describeFailure } from '../../../../lib/twilio-errors';
import type { Progress, SendDeps } from './types';

/** The fields of a Twilio Message resource a send reads. */
export interface TwilioMessage {
  sid: string;
  status: string;
  errorCode: number | null;
  from: string | null;
  numSegments: string;
  dateCreated: Date;
  body: string;
}

/** Delays between status reads: quick at first (most messages settle in seconds), then steady. */
export const POLL_DELAYS_MS = [250, 500, 750, 1000, 1500, 2000];

export function statusOf(message: TwilioMessage): MessageStatus {
  return isMessageStatus(message.status) ? message.status : 'queued';
}

/**
 * The message once Twilio has picked its sender (`from` set): read at once, then at the status
 * polls' pace, until then, a final status (a service with no sender fails it, 21704) or `deadline`.
 * A failed read leaves the message as it was: filed under the service, never resent.
 */
export async function senderPicked(deps: SendDeps, client: TwilioClient, message: TwilioMessage, deadline: number): Promise<TwilioMessage> {
  let current = message;
  for (let read = 0; current.from === null && !FINAL_STATUSES.has(current.status as MessageStatus); read++) {
    const delay = read === 0 ? 0 : POLL_DELAYS_MS[Math.min(read - 1, POLL_DELAYS_MS.length - 1)]!;
    if (deps.now().getTime() + delay > deadline) break;
    if (delay > 0) await deps.sleep(delay);
    try {
      current = await withRetry(() => client.messages(current.sid).fetch());
    } catch (error) {
      deps.log.warn(`reading ${current.sid}'s sender failed; filing it under the Messaging Service: ${describeFailure(error)}`);
      break;
    }
  }
  return current;
}

/** The service's one sender, or null: a pool of several (or none), or a read that failed. */
export async function onlySender(deps: SendDeps, client: TwilioClient, serviceSid: string): Promise<string | null> {
  try {
    const numbers = await senderPool(client, serviceSid, deps.now().getTime());
    return numbers.length === 1 ? numbers[0]! : null;
  } catch (error) {
    deps.log.warn(`reading the Messaging Service's senders failed; filing the scheduled message under the service: ${describeFailure(error)}`);
    return null;
  }
}

/** Polls the message's status until it is final or `deadline` (ms since the epoch) comes. */
export async function waitForFinalStatus(deps: SendDeps, client: TwilioClient, message: TwilioMessage, progress: Progress, deadline: number): Promise<TwilioMessage> {
  let current = message;
  for (let poll = 0; !FINAL_STATUSES.has(current.status as MessageStatus); poll++) {
    const delay = POLL_DELAYS_MS[Math.min(poll, POLL_DELAYS_MS.length - 1)]!;
    if (deps.now().getTime() + delay > deadline) break;
    await progress(`Message ${current.sid} is ${current.status}; waiting for delivery.`, poll + 1);
    await deps.sleep(delay);
    try {
      current = await withRetry(() => client.messages(current.sid).fetch());
    } catch (error) {
      deps.log.warn(`status read for ${current.sid} failed, reporting the last known status: ${describeFailure(error)}`);
      break;
    }
  }
  return current;
}

/**
 * After an ambiguous create: the newest message to `to` with this body, created since `since`
 * (less a clock skew slack), that no earlier send recorded: with the duplicate window off, the
 * same text sent a moment before would otherwise be taken for this one, reported sent when
 * Twilio created nothing.
 */
export async function findSentMessage(deps: SendDeps, client: TwilioClient, to: string, body: string, since: Date): Promise<TwilioMessage | null> {
  const recent = await withRetry(() => client.messages.list({ to, limit: 20, pageSize: 20 }));
  const slack = 5000; // the two clocks may differ a little
  const candidates = recent.filter((m) => m.body === body && m.direction.startsWith('outbound') && m.dateCreated.getTime() >= since.getTime() - slack);
  const store = candidates.length > 0 ? await deps.store() : null;
  for (const candidate of candidates) {
    if (!store || !candidate.from || !(await store.isRecordedOutbound(candidate.from, to, candidate.sid))) return candidate;
  }
  return null;
}
