/**
 * The sent message in its conversation: the thread and sid map made during the create, taken back
 * after a refusal, the message written and its final status; an opt-out Twilio reports remembered.
 */
import type { MessageRecord } from '../../../../lib/message-record';
import type { InboxSnapshot, RecordedOutbound } from '../../../../lib/store/message-store';
import { describeFailure } from '../../../../lib/twilio-errors';
import { statusOf, type TwilioMessage } from './twilio-message';
import type { SendDeps } from './types';

/** Twilio says the recipient opted out (21610): remember it so the next send is refused early. */
export async function markOptedOut(deps: SendDeps, ourNumber: string | undefined, to: string): Promise<void> {
  const store = await deps.store();
  if (!store || !ourNumber) return;
  await store.markOptedOut(ourNumber, to).catch((error: unknown) => deps.log.warn(`could not record the opt-out: ${describeFailure(error)}`));
}

/** Writes the sent message into its conversation; a failure here is reported, never resent. */
export async function recordInThread(deps: SendDeps, record: MessageRecord, inbox: InboxSnapshot | undefined, answerBy: number): Promise<{ stored: RecordedOutbound | null; warning: string | null }> {
  const store = await deps.store();
  if (!store) return { stored: null, warning: null };
  try {
    return { stored: await store.until(answerBy).recordOutbound(record, inbox), warning: null };
  } catch (error) {
    deps.log.error(`recording ${record.sid} in its thread failed: ${describeFailure(error)}`);
    return { stored: null, warning: 'The message was sent but could not be saved to the conversation history.' };
  }
}

/** After the delivery wait: the thread shows the status the result reports. */
export async function advanceInThread(deps: SendDeps, stored: RecordedOutbound, message: TwilioMessage, answerBy: number): Promise<string | null> {
  const store = await deps.store();
  if (!store) return null;
  try {
    await store.until(answerBy).advanceOutbound(stored, statusOf(message), message.errorCode ?? null, deps.now().toISOString());
    return null;
  } catch (error) {
    deps.log.error(`recording ${message.sid}'s status ${message.status} in its thread failed: ${describeFailure(error)}`);
    return `The message was sent, but the conversation history may still show it as ${stored.status}.`;
  }
}

/** Best effort: recordOutbound creates whatever is still missing, one round trip dearer. */
export async function prepareConversation(deps: SendDeps, ourNumber: string, to: string, answerBy: number): Promise<void> {
  const store = await deps.store();
  await store?.until(answerBy).prepareConversation(ourNumber, to).catch((error: unknown) => {
    deps.log.warn(`preparing the new conversation with ${deps.log.phone(to)} failed: ${describeFailure(error)}`);
  });
}

/** After a refused first send: the prepared thread and sid map go, once made, if still empty. Best effort. */
export async function discardConversation(deps: SendDeps, prepared: Promise<void>, ourNumber: string, to: string, answerBy: number): Promise<void> {
  await prepared;
  const store = await deps.store();
  await store?.until(answerBy).discardConversation(ourNumber, to).catch((error: unknown) => {
    deps.log.warn(`removing the empty conversation with ${deps.log.phone(to)} after the refusal failed: ${describeFailure(error)}`);
  });
}
