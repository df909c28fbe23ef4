/**
 * The send guard's step of a send: the reservation (duplicates, caps), and what a send that may
 * not go reports.
 */
import type { CapScope, Reservation, SendGuard } from '../../../../lib/guard/send-guard';
import { describeFailure } from '../../../../lib/twilio-errors';
import type { SendDeps, SendOutcome } from './types';

export const CAP_WORDS: Record<CapScope, string> = {
  overall: 'messages per minute in total',
  recipient: 'messages per minute to this number',
  hour: 'messages per hour',
  day: 'messages per day',
};

/** A reservation that never rejects: a guard that throws is a guard that cannot vouch for the send. */
export async function reserve(guard: SendGuard, to: string, body: string, mediaUrl: readonly string[]): Promise<Reservation> {
  try {
    return await guard.reserve(to, body, mediaUrl);
  } catch (error) {
    return { kind: 'unavailable', reason: `The send guard failed: ${describeFailure(error).replace(/\.?$/, '.')}` };
  }
}

/** A send refused after its guard reserved beside the inbox read: the reservation is withdrawn. */
export async function withdraw(deps: SendDeps, early: Promise<Reservation> | null): Promise<void> {
  const withdrawn = await early;
  if (withdrawn?.kind === 'go') await Promise.resolve(deps.guard.withdraw(withdrawn.ticket)).catch((error: unknown) => deps.log.warn(`the send guard could not withdraw a refused send's reservation: ${describeFailure(error)}`));
}

/** What a send the guard stops reports: already sent, being sent, over a cap, or the guard unavailable. */
export function guardRefusal(deps: SendDeps, reservation: Exclude<Reservation, { kind: 'go' }>, outcomeBase: Omit<SendOutcome, 'outcome'>, knownConversation: string | null): SendOutcome {
  const { to } = outcomeBase;
  if (reservation.kind === 'duplicate') {
    deps.log.info(`send to ${deps.log.phone(to)} not repeated: same message already sent (${reservation.prior.sid ?? 'sid unknown'})`);
    return { ...outcomeBase, outcome: 'already_sent', sid: reservation.prior.sid, status: reservation.prior.status, conversationId: knownConversation, reason: 'This exact message was already sent to this number a moment ago.' };
  }
  if (reservation.kind === 'in-flight') {
    return { ...outcomeBase, outcome: 'already_sent', conversationId: knownConversation, reason: 'This exact message is being sent to this number right now by an earlier call.' };
  }
  if (reservation.kind === 'rate-limited') {
    const words = `${reservation.limit} ${CAP_WORDS[reservation.scope]}${reservation.account ? ' for the whole account' : ''}`;
    deps.log.warn(`send to ${deps.log.phone(to)} refused: rate limit of ${words}`);
    return { ...outcomeBase, outcome: 'refused', reason: `Rate limit reached: at most ${words}. Tell the user; sending is possible again in about ${reservation.retryAfterSeconds} s.` };
  }
  // 'unavailable': fail closed, without the guard's state a second text cannot be ruled out.
  deps.log.error(`send to ${deps.log.phone(to)} refused: ${reservation.reason}`);
  return { ...outcomeBase, outcome: 'refused', reason: `${reservation.reason} Without it a second text cannot be ruled out. Tell the user it can be tried again in a minute.` };
}
