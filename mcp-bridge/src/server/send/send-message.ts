/**
 * One send_sms call: guard, create, then the thread write overlapped with the wait for a final status.
 *
 * The create call is made once and never retried: after an ambiguous failure (5xx, timeout,
 * reset) the message may exist, so the bridge looks for it and otherwise reports the outcome
 * as unknown, rather than risk texting someone twice.
 *
 * The steps live beside it: rules.ts (the policy checks, in order), confirmation.ts (the human's
 * approval or the token), guard-step.ts (duplicates and caps), twilio-message.ts (the message as
 * Twilio has it: status polls, the picked sender, the lookup after an ambiguous create), thread.ts
 * (the conversation's Sync objects); what they share is in types.ts.
 */
import { conversationIdFor } from '../../../../lib/conversation-id';
import { ourNumberOf } from '../../../../lib/outbound/from-number';
import { type CheckedSegments, checkSegments, checkSendInput, type SendInput } from '../../../../lib/outbound/send-input';
import { isFailureStatus } from '../../../../lib/message-status';
import { UNSUBSCRIBED_RECIPIENT } from '../../../../lib/opt-out';
import { smartEncode } from '../../../../lib/segments';
import { describeFailure, hintFor, isAmbiguous, readFailure } from '../../../../lib/twilio-errors';
import { callBudget } from '../call-budget';
import { confirmation, maskGivenNumber, shownSender } from './confirmation';
import { guardRefusal, reserve, withdraw } from './guard-step';
import { checkRecipient, checkRules } from './rules';
import { advanceInThread, discardConversation, markOptedOut, prepareConversation, recordInThread } from './thread';
import { findSentMessage, onlySender, senderPicked, statusOf, type TwilioMessage, waitForFinalStatus } from './twilio-message';
import type { Progress, SendDeps, SendOutcome } from './types';

export type { Progress, SendDeps, SendOutcome, SendOutcomeKind } from './types';

export async function sendMessage(deps: SendDeps, input: SendInput, progress: Progress = async () => {}): Promise<SendOutcome> {
  // The call's budget counts from here: time the human takes to approve is the client's time too.
  const callStartedAt = deps.now().getTime();
  const base = { to: input.to, sid: null, status: null, errorCode: null, reason: null, conversationId: null, warning: null };
  const checked = checkSendInput(input);
  if (!checked.ok) {
    deps.log.warn(`send refused before Twilio: ${maskGivenNumber(checked.reason, input.to, deps.log)}`);
    return { ...base, outcome: 'refused', reason: checked.reason };
  }
  const { to, body, mediaUrl, channel, template } = checked;
  // WhatsApp has no SMS segments: nothing is counted or claimed for it.
  const sized: CheckedSegments = channel === 'whatsapp' ? { ok: true, info: null } : checkSegments(body, mediaUrl.length, deps.config);
  const outcomeBase = { ...base, to, channel, ...(sized.info ? { segments: sized.info } : {}) };
  // What the guard and confirmations compare: the text, or for a template the template and its values.
  const sendKey = template ? `[template ${template.contentSid} ${template.contentVariables ?? ''}]` : body;
  if (!sized.ok) {
    deps.log.warn(`send to ${deps.log.phone(to)} refused before Twilio: ${sized.info.segments} segments, over SEND_MAX_SEGMENTS=${deps.config.sendMaxSegments}`);
    return { ...outcomeBase, outcome: 'refused', reason: sized.reason };
  }

  const rules = await checkRules(deps, checked, input);
  // When only the inbox read is left to decide (no approval to ask for, no quiet hours refusing),
  // the guard reserves beside it: one round trip for both. A refusal then withdraws it.
  const early = rules.ok && !deps.config.sendConfirmation && rules.quiet === null ? reserve(deps.guard, to, sendKey, mediaUrl) : null;
  const policy = rules.ok ? await checkRecipient(deps, checked, input, rules) : rules;
  if (!policy.ok) {
    await withdraw(deps, early);
    deps.log.warn(`send to ${deps.log.phone(to)} refused by policy: ${policy.reason}`);
    return { ...outcomeBase, outcome: 'refused', reason: policy.reason };
  }
  if (deps.config.sendConfirmation) {
    const confirmed = await confirmation(deps, input, { to, ...shownSender(deps.config, policy.ourNumber), body: sendKey, mediaUrl, sendAt: input.sendAt, ...(sized.info ? { segments: sized.info } : {}) }, callStartedAt);
    if (confirmed !== true) return { ...outcomeBase, ...confirmed };
  }

  // An inbox entry read as absent: a conversation never had, whose Sync objects do not exist yet.
  const newConversation = policy.inbox === null;
  const reservation = await (early ?? reserve(deps.guard, to, sendKey, mediaUrl));
  const knownConversation = policy.ourNumber ? conversationIdFor(policy.ourNumber, to) : null;
  if (reservation.kind !== 'go') return guardRefusal(deps, reservation, outcomeBase, knownConversation);

  const client = await deps.twilio();
  const started = deps.now();
  const budget = callBudget(deps.config.clientTimeoutSeconds, callStartedAt);
  const { sender } = deps.config;
  const sendAt = input.sendAt !== undefined ? new Date(input.sendAt) : undefined;
  // A new conversation's thread and sid map are created while Twilio takes the message: recording
  // it afterwards is then its writes only. A refused create takes them back (discardConversation).
  const prepared = newConversation && policy.ourNumber ? prepareConversation(deps, policy.ourNumber, to, budget.answerBy) : Promise.resolve();
  // A scheduled message through a Messaging Service with no number of ours has no sender until
  // SendAt: the service's pool, read beside the create, names it when it holds one number.
  const pool = sendAt && !policy.ourNumber && !sender.phoneNumber && sender.messagingServiceSid ? onlySender(deps, client, sender.messagingServiceSid) : null;
  deps.log.info(`${sendAt ? 'scheduling' : 'sending'} to ${deps.log.phone(to)}: ${deps.log.body(body)}${mediaUrl.length ? ` + ${mediaUrl.length} media` : ''}`);
  let message: TwilioMessage;
  try {
    message = await client.messages.create({
      to,
      // A template goes as ContentSid and ContentVariables, with no Body beside it (send-input.ts).
      ...(template ? { contentSid: template.contentSid, ...(template.contentVariables !== undefined ? { contentVariables: template.contentVariables } : {}) } : { body }),
      // Through a Messaging Service the service picks the number, unless each user has their own.
      ...(sender.messagingServiceSid ? { messagingServiceSid: sender.messagingServiceSid } : {}),
      // A WhatsApp send names its WhatsApp sender even through a service (whose pick could be an SMS number).
      ...(policy.ourNumber && (!sender.messagingServiceSid || !sender.phoneNumber || channel === 'whatsapp') ? { from: policy.ourNumber } : {}),
      ...(mediaUrl.length ? { mediaUrl } : {}),
      ...(deps.config.statusCallbackUrl ? { statusCallback: deps.config.statusCallbackUrl } : {}),
      ...(sendAt ? { scheduleType: 'fixed' as const, sendAt } : {}),
      // Twilio then sends look-alikes (curly quotes, dashes, odd spaces) as GSM-7 (lib/segments.ts).
      ...(deps.config.sendSmartEncoding && channel === 'sms' ? { smartEncoded: true } : {}),
    });
  } catch (error) {
    if (!isAmbiguous(error)) {
      const failure = readFailure(error);
      deps.log.error(`send to ${deps.log.phone(to)} refused by Twilio: ${describeFailure(error)}`);
      // Twilio made no message: the guard forgets it, and a new conversation keeps no empty thread.
      await Promise.all([
        deps.guard.release(reservation.ticket),
        failure.code === UNSUBSCRIBED_RECIPIENT ? markOptedOut(deps, policy.ourNumber, to) : undefined,
        newConversation && policy.ourNumber ? discardConversation(deps, prepared, policy.ourNumber, to, budget.answerBy) : undefined,
      ]);
      return { ...outcomeBase, outcome: 'failed', errorCode: failure.code, reason: describeFailure(error) };
    }
    deps.log.error(`send to ${deps.log.phone(to)}: no clear answer from Twilio (${readFailure(error).message}); looking for the message`);
    // With SmartEncoded, Twilio keeps the body it sent: look for that one.
    const sentBody = deps.config.sendSmartEncoding && channel === 'sms' ? smartEncode(body).body : body;
    // A template's rendered text is Twilio's to know: no lookup by body, the outcome stays unknown.
    const found = template ? null : await findSentMessage(deps, client, to, sentBody, started).catch(() => null);
    if (!found) {
      await deps.guard.complete(reservation.ticket, { sid: null, status: 'unknown' });
      return {
        ...outcomeBase,
        outcome: 'unknown',
        reason: `Twilio did not answer clearly (${readFailure(error).message}), so it is unknown whether the message went out. Check the Twilio Console (Monitor → Messaging logs) or get_conversation in a few minutes.`,
      };
    }
    message = found;
  }
  // Through a Messaging Service with no number of ours, Twilio answers `from: null` ('accepted')
  // and picks the sender a moment later: ask which before filing the message, so that it goes in
  // the conversation of the number that sent it, where the handset's reply lands and the status
  // callbacks (From: that number) look for it. A scheduled message has no sender until SendAt.
  if (!policy.ourNumber && !deps.config.sender.phoneNumber && message.from === null && !sendAt) {
    message = await senderPicked(deps, client, message, budget.waitUntil);
  }
  deps.log.info(`${sendAt ? 'scheduled' : 'sent'} ${message.sid} to ${deps.log.phone(to)}: ${message.status}`);
  const accepted = message;
  // A pool of several: filed under the service; its callbacks find it there (status-update.ts).
  const ourNumber = policy.ourNumber ?? ourNumberOf(deps.config, accepted.from ?? (await pool), channel);
  const conversationId = conversationIdFor(ourNumber, to);
  // What Twilio took is written down at once, side by side: the guard's record of it, and the
  // thread (with the status of the create's answer), the latter while the delivery wait polls.
  const completing = Promise.resolve(deps.guard.complete(reservation.ticket, { sid: accepted.sid, status: accepted.status }));
  const recording = prepared.then(() => recordInThread(deps, {
    // What Twilio sent: with SmartEncoded its look-alikes replaced.
    // A template: the text Twilio rendered and stores, as its answer gives it.
    sid: accepted.sid, direction: 'outbound', from: ourNumber, to, body: template ? accepted.body ?? '' : deps.config.sendSmartEncoding && channel === 'sms' ? smartEncode(body).body : body,
    media: mediaUrl.map((url) => ({ url, contentType: 'unknown' })),
    numSegments: Number(accepted.numSegments) || (sized.info?.segments ?? 1),
    status: statusOf(accepted), errorCode: accepted.errorCode ?? null,
    createdAt: (accepted.dateCreated ?? started).toISOString(), statusAt: deps.now().toISOString(), processed: true,
  }, policy.inbox, budget.answerBy));

  if (!sendAt) message = await waitForFinalStatus(deps, client, message, progress, Math.min(started.getTime() + deps.config.sendWaitSeconds * 1000, budget.waitUntil));
  const status = statusOf(message);
  deps.log.info(`${message.sid} ${status}${message.errorCode ? ` (error ${message.errorCode})` : ''}`);
  await completing;
  // The final status, in the guard and in the thread, before the result says it.
  const [, recorded] = await Promise.all([
    deps.guard.updateStatus(reservation.ticket, message.status),
    recording.then((thread) => (thread.stored ? advanceInThread(deps, thread.stored, message, budget.answerBy).then((warning) => ({ ...thread, warning })) : thread)),
  ]);
  if (message.errorCode === UNSUBSCRIBED_RECIPIENT) await markOptedOut(deps, policy.ourNumber, to);
  const failed = isFailureStatus(status);
  return {
    ...outcomeBase,
    outcome: failed ? 'failed' : sendAt ? 'scheduled' : 'sent',
    sid: message.sid,
    status,
    errorCode: message.errorCode ?? null,
    reason: failed ? (hintFor(message.errorCode) ?? `Twilio reported the message ${status}${message.errorCode ? ` with error ${message.errorCode}` : ''}.`) : null,
    conversationId,
    warning: recorded.warning,
    ...(sendAt ? { sendAt: sendAt.toISOString() } : {}),
  };
}
