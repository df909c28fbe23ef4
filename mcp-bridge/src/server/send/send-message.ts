/**
 * One send_sms call: guard, create, then the thread write overlapped with the wait for a final status.
 *
 * The create call is made once and never retried: after an ambiguous failure (5xx, timeout,
 * reset) the message may exist, so the bridge looks for it and otherwise reports the outcome
 * as unknown, rather than risk texting someone twice.
 */
import { conversationIdFor } from '../../../../lib/conversation-id';
import type { MessageRecord } from '../../../../lib/message-record';
import { type SegmentInfo, smartEncode } from '../../../../lib/segments';
import { FINAL_STATUSES, isFailureStatus, isMessageStatus, type MessageStatus } from '../../../../lib/message-status';
import { UNSUBSCRIBED_RECIPIENT } from '../../../../lib/opt-out';
import { withRetry } from '../../../../lib/retry';
import type { InboxSnapshot } from '../../../../lib/store/message-store';
import type { MessageStore, RecordedOutbound } from '../../../../lib/store/message-store';
import { describeFailure, hintFor, isAmbiguous, readFailure } from '../../../../lib/twilio-errors';
import type { TwilioClient } from '../../../../lib/twilio-client';
import type { Approve, ApprovalRequest } from '../approval';
import { callBudget } from '../call-budget';
import type { BridgeConfig } from '../bridge-config';
import type { Logger } from '../logger';
import { type CheckedSegments, type CheckedSend, checkSegments, checkSendInput, type SendInput } from '../../../../lib/outbound/send-input';
import { approvedTemplates, describeTemplates } from '../../../../lib/outbound/templates';
import { type Channel, channelOf, windowAt } from '../../../../lib/whatsapp';
import type { InboxEntry } from '../../../../lib/message-record';
import { CONFIRMATION_TTL_MINUTES, type Confirmations } from '../../../../lib/guard/confirmations';
import type { CapScope, Reservation, SendGuard } from '../../../../lib/guard/send-guard';
import { checkSendAt, isAllowedRecipient, replyOnlyRefusal } from '../../../../lib/outbound/send-policy';
import { chooseFromNumber, fromNumberCandidates } from '../../../../lib/outbound/from-number';
import { senderPool } from '../../../../lib/outbound/sender-pool';
import { quietHoursRefusal } from '../../../../lib/outbound/quiet-hours';

export interface SendDeps {
  config: BridgeConfig;
  log: Logger;
  guard: SendGuard;
  confirmations: Confirmations;
  twilio: () => Promise<TwilioClient>;
  store: () => Promise<MessageStore | null>;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => Date;
  /**
   * Confirmation mode: asks the human through the client (approval.ts), built per call by the
   * tool handler. Absent, or answering 'unavailable', the preview-and-token flow applies.
   */
  approve?: Approve;
}

export type SendOutcomeKind = 'sent' | 'scheduled' | 'failed' | 'refused' | 'unknown' | 'already_sent' | 'needs_confirmation' | 'declined';

export interface SendOutcome {
  outcome: SendOutcomeKind;
  to: string;
  /** SMS, or WhatsApp (a whatsapp:+E.164 recipient); absent before the recipient was checked. */
  channel?: Channel;
  sid: string | null;
  status: string | null;
  errorCode: number | null;
  /** Plain words: why it failed or was refused, and what to do. */
  reason: string | null;
  conversationId: string | null;
  /** Set when the message went out but could not be written to the conversation thread. */
  warning: string | null;
  /** Confirmation mode: the token a second call must carry to send this exact message. */
  confirmationToken?: string;
  /** Scheduling: when Twilio will send it. */
  sendAt?: string;
  /** How many segments Twilio bills for the body, and why (lib/segments.ts); absent with media (MMS) or before the body was checked. */
  segments?: SegmentInfo;
}

export type Progress = (message: string, progress: number, total?: number) => Promise<void>;

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
const POLL_DELAYS_MS = [250, 500, 750, 1000, 1500, 2000];

const CAP_WORDS: Record<CapScope, string> = {
  overall: 'messages per minute in total',
  recipient: 'messages per minute to this number',
  hour: 'messages per hour',
  day: 'messages per day',
};

/**
 * The policy checks before any Messages API call; the first refusal wins and names its rule.
 * First the rules that read nothing (checkRules), then those that read the conversation's inbox
 * entry (checkRecipient), beside which sendMessage makes the guard's reservation. When the send
 * may go, what the checks learnt travels on: the sending number, and the conversation's inbox
 * entry read for the opt-out check (null: a new conversation), so that recording the message
 * afterwards need not read it again.
 */
type PolicyVerdict = { ok: false; reason: string } | { ok: true; ourNumber: string | undefined; inbox: InboxSnapshot | undefined };

/**
 * The rules that read nothing: a refusal, or the numbers to send from and the quiet-hours refusal,
 * if any, which comes last: a STOP or a policy refusal is final, while quiet hours say when it
 * could go (sendAt).
 */
type Rules = { ok: false; reason: string } | { ok: true; numbers: readonly string[] | null; quiet: string | null };

async function checkRules(deps: SendDeps, checked: Extract<CheckedSend, { ok: true }>, input: SendInput): Promise<Rules> {
  const { to, phone, channel } = checked;
  const { scope } = deps.config;
  if (!scope.ok) return { ok: false, reason: scope.reason };
  // The allowlist names people by number, whichever channel reaches them.
  if (!isAllowedRecipient(phone, deps.config.sendAllowlist)) {
    return { ok: false, reason: `${to} is not on this server's recipient allowlist (SEND_ALLOWLIST). Ask the administrator to allow it.` };
  }
  if (input.sendAt !== undefined) {
    if (!deps.config.sender.messagingServiceSid) return { ok: false, reason: 'Scheduling (sendAt) needs a Messaging Service: the administrator must set TWILIO_MESSAGING_SERVICE_SID. Send now without sendAt instead.' };
    const when = checkSendAt(input.sendAt, deps.now());
    if (!when.ok) return { ok: false, reason: when.reason };
  }
  const numbers = channelNumbers(deps.config, scope.numbers, channel);
  if (!numbers.ok) return numbers;
  const allowed = fromNumberCandidates(numbers.numbers, input.from);
  if (!allowed.ok) return allowed;
  // Quiet hours are the recipient's local time, on either channel.
  return { ok: true, numbers: numbers.numbers, quiet: await quietHoursRefusal(deps.config, phone, deps.now(), input.sendAt) };
}

/**
 * The senders of this channel: the scope's numbers of that channel (a WhatsApp sender is written
 * whatsapp:+E.164), else the bridge's own (a whole-account scope, an HTTP token without identity,
 * sends from the bridge's number), else null (a Messaging Service picks).
 */
function channelNumbers(config: BridgeConfig, scoped: readonly string[] | null, channel: Channel): { ok: true; numbers: readonly string[] | null } | { ok: false; reason: string } {
  const own = channel === 'whatsapp' ? config.sender.whatsappNumber : config.sender.phoneNumber;
  const numbers = scoped ? scoped.filter((n) => channelOf(n) === channel) : own ? [own] : null;
  if (numbers === null || numbers.length > 0) {
    if (numbers === null && !config.sender.messagingServiceSid) return { ok: false, reason: noSender(channel) };
    return { ok: true, numbers };
  }
  return { ok: false, reason: noSender(channel) };
}

function noSender(channel: Channel): string {
  return channel === 'whatsapp'
    ? 'No WhatsApp sender is set up for you: the administrator must set TWILIO_WHATSAPP_NUMBER (the Sandbox +14155238886 or your own WhatsApp sender), or give you one in SMS_USER_NUMBERS as whatsapp:+E.164.'
    : 'No SMS number is set up for you: the administrator must set TWILIO_PHONE_NUMBER or TWILIO_MESSAGING_SERVICE_SID, or give you a number in SMS_USER_NUMBERS.';
}

async function checkRecipient(deps: SendDeps, checked: Extract<CheckedSend, { ok: true }>, input: SendInput, rules: Extract<Rules, { ok: true }>): Promise<PolicyVerdict> {
  const { to, channel } = checked;
  const store = await deps.store();
  let chosen: Awaited<ReturnType<typeof chooseFromNumber>>;
  try {
    chosen = await chooseFromNumber(rules.numbers, input.from, store ? (ourNumber) => store.conversationEntry(ourNumber, to) : null);
  } catch (error) {
    // The opt-out state cannot be read (wrong credentials, Sync down): refuse, since a STOP must
    // be honoured, but with Twilio's code and what to do, not a bare "could not reach Twilio".
    return { ok: false, reason: `Could not check in Twilio Sync whether ${to} has opted out. ${describeFailure(error)}` };
  }
  if (!chosen.ok) return { ok: false, reason: chosen.reason };
  if (chosen.inbox?.entry.optedOut) {
    // Twilio blocks an SMS STOP itself (21610); on WhatsApp its default STOP filtering does not
    // apply (lib/opt-out.ts), so the bridge alone keeps the promise, on that channel only.
    return { ok: false, reason: channel === 'whatsapp' ? `${to} has opted out on WhatsApp (they replied STOP). Do not message them there until they send START.` : `${to} has opted out (they replied STOP). Twilio will not deliver to them until they text START.` };
  }
  if (deps.config.sendPolicy === 'reply-only') {
    const reason = replyOnlyRefusal(store ? (chosen.inbox?.entry ?? null) : undefined, to, chosen.number);
    if (reason) return { ok: false, reason };
  }
  if (channel === 'whatsapp' && checked.template === null) {
    // Which conversation holds their messages depends on our sender: a Messaging Service that
    // picks one at send time leaves it unknown, and the window with it.
    const entry = !store ? undefined : chosen.number === undefined ? 'no-sender' : (chosen.inbox?.entry ?? null);
    const reason = await windowRefusal(deps, to, entry, input.sendAt);
    if (reason) return { ok: false, reason };
  }
  if (rules.quiet) return { ok: false, reason: rules.quiet };
  return { ok: true, ourNumber: chosen.number, inbox: chosen.inbox };
}

/**
 * A free-form WhatsApp message outside the 24-hour window is one Twilio takes and then fails
 * (63016, https://www.twilio.com/docs/api/errors/63016): refused here, saying when the window
 * closed and naming the approved templates (Content API, templates.ts). Without a store the
 * window cannot be known: refused too, since Twilio would most likely fail it.
 */
async function windowRefusal(deps: SendDeps, to: string, entry: InboxEntry | null | undefined | 'no-sender', sendAt: string | undefined): Promise<string | null> {
  const at = sendAt !== undefined ? new Date(sendAt) : deps.now();
  const state = entry === undefined || entry === 'no-sender' ? null : windowAt(entry?.lastInboundAt, at);
  if (state?.open) return null;
  const when = state === null
    ? entry === 'no-sender'
      ? 'Whether the 24-hour WhatsApp window is open cannot be checked while the Messaging Service picks the WhatsApp sender: the administrator should set TWILIO_WHATSAPP_NUMBER.'
      : 'Whether the 24-hour WhatsApp window is open cannot be checked without the Sync service that stores their messages (TWILIO_SYNC_SERVICE_SID).'
    : state.closedAt
      ? `The 24-hour WhatsApp window with ${to} closed at ${state.closedAt} (24 hours after their last message${sendAt !== undefined ? ', before sendAt' : ''}).`
      : `${to} has not messaged you on WhatsApp, so no 24-hour window is open.`;
  return `${when} WhatsApp allows only an approved template now (Twilio error 63016 otherwise). ${await templatesHint(deps)}`;
}

async function templatesHint(deps: SendDeps): Promise<string> {
  try {
    const templates = await approvedTemplates(await deps.twilio(), deps.now().getTime());
    if (templates.length === 0) return 'The account has no approved WhatsApp template: create one in the Twilio Console (Content Template Builder) and submit it to WhatsApp, or wait for them to write.';
    return `Send one with contentSid (and contentVariables) and an empty body: ${describeTemplates(templates)}.`;
  } catch (error) {
    deps.log.warn(`listing the WhatsApp templates failed: ${describeFailure(error)}`);
    return 'Send an approved template with contentSid (HX…) and an empty body; its templates could not be listed now (Content API).';
  }
}

/** A reservation that never rejects: a guard that throws is a guard that cannot vouch for the send. */
async function reserve(guard: SendGuard, to: string, body: string, mediaUrl: readonly string[]): Promise<Reservation> {
  try {
    return await guard.reserve(to, body, mediaUrl);
  } catch (error) {
    return { kind: 'unavailable', reason: `The send guard failed: ${describeFailure(error).replace(/\.?$/, '.')}` };
  }
}

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
    const withdrawn = await early;
    if (withdrawn?.kind === 'go') await Promise.resolve(deps.guard.withdraw(withdrawn.ticket)).catch((error: unknown) => deps.log.warn(`the send guard could not withdraw a refused send's reservation: ${describeFailure(error)}`));
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
  if (reservation.kind === 'unavailable') {
    // Fail closed: without the guard's state a second text cannot be ruled out.
    deps.log.error(`send to ${deps.log.phone(to)} refused: ${reservation.reason}`);
    return { ...outcomeBase, outcome: 'refused', reason: `${reservation.reason} Without it a second text cannot be ruled out. Tell the user it can be tried again in a minute.` };
  }

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

function statusOf(message: TwilioMessage): MessageStatus {
  return isMessageStatus(message.status) ? message.status : 'queued';
}

/**
 * Confirmation mode. When the client can ask its user (elicitation, approval.ts), the human
 * approves this exact message there, and true means they accepted; a token the model passes is
 * then neither checked nor used up, so no token, old or new, can stand in for the human. Otherwise
 * a preview with a new token, a refusal, or true when the call carries a valid token for this exact
 * message (used up now, by whichever bridge redeems it first).
 */
async function confirmation(deps: SendDeps, input: SendInput, message: ApprovalRequest, callStartedAt: number): Promise<true | Pick<SendOutcome, 'outcome' | 'reason' | 'confirmationToken'>> {
  const { to, body, mediaUrl } = message;
  if (deps.approve) {
    // The answer must come while the client still listens, with room left to send (call-budget.ts).
    const timeoutMs = callBudget(deps.config.clientTimeoutSeconds, callStartedAt).waitUntil - deps.now().getTime();
    const answer = await deps.approve(message, timeoutMs);
    if (answer.kind !== 'unavailable') {
      if (input.confirmationToken !== undefined) deps.log.warn('confirmationToken ignored: this client asks the user to approve each text');
      deps.log.info(`approval of the send to ${deps.log.phone(to)}: ${answer.kind}${answer.kind === 'failed' ? ` (${answer.error})` : ''}`);
    }
    switch (answer.kind) {
      case 'accepted':
        return true;
      case 'declined':
        return { outcome: 'declined', reason: 'The user declined this message when asked to approve it.' };
      case 'cancelled':
        return { outcome: 'declined', reason: 'The user closed the approval prompt without approving this message.' };
      case 'timed-out':
        return { outcome: 'declined', reason: `No answer from the user in time: the approval prompt waits at most ${Math.max(0, Math.floor(timeoutMs / 1000))} s, so the result reaches the client before it gives up (CLIENT_TIMEOUT_SECONDS).` };
      case 'failed':
        return { outcome: 'refused', reason: `The user could not be asked to approve it: the client's approval prompt failed (${answer.error.slice(0, 200).replace(/\.?$/, '')}).` };
      case 'unavailable':
        break; // the client cannot ask: the preview and token below
    }
  }
  const issuing = input.confirmationToken === undefined;
  try {
    if (input.confirmationToken === undefined) {
      const token = await deps.confirmations.issue(to, body, mediaUrl, input.sendAt);
      return { outcome: 'needs_confirmation', confirmationToken: token, reason: 'Confirmation is required before sending.' };
    }
    if (await deps.confirmations.redeem(input.confirmationToken, to, body, mediaUrl, input.sendAt)) return true;
  } catch (error) {
    deps.log.error(`confirmation token ${issuing ? 'not stored' : 'not checked'}: ${describeFailure(error)}`);
    return { outcome: 'refused', reason: `The confirmation token could not be ${issuing ? 'stored' : 'checked'} in Twilio Sync: ${describeFailure(error).replace(/\.?$/, '.')}` };
  }
  return { outcome: 'refused', reason: `The confirmation token is unknown, used or expired (tokens last ${CONFIRMATION_TTL_MINUTES} minutes), or the message changed since the preview. Call send_sms without a token for a new preview.` };
}

/** The sender the human is shown: the number the create passes as From, else the Messaging Service that picks one. */
function shownSender(config: BridgeConfig, ourNumber: string | undefined): Pick<ApprovalRequest, 'from' | 'messagingServiceSid'> {
  const { messagingServiceSid, phoneNumber } = config.sender;
  const from = ourNumber && (!messagingServiceSid || !phoneNumber) ? ourNumber : undefined;
  return { from, messagingServiceSid: from ? undefined : messagingServiceSid };
}

/**
 * A refusal reason fit for the log. It quotes the number as given, trimmed and, when long, cut
 * (lib/phone.ts): masking only `input.to` verbatim missed " 4155550100 " and left it readable.
 */
function maskGivenNumber(reason: string, to: string, log: Logger): string {
  const given = to.trim();
  if (given === '') return reason;
  return [given, given.slice(0, 24)].reduce((text, part) => text.replaceAll(part, log.phone(part)), reason);
}

/**
 * Our side of the conversation: the configured number, else the sender Twilio picked (or will
 * pick: a scheduled message through a service with one sender), else (not picked yet, a pool of
 * several) the service.
 */
export function ourNumberOf(config: BridgeConfig, from: string | null, channel: Channel = 'sms'): string {
  return (channel === 'whatsapp' ? config.sender.whatsappNumber : config.sender.phoneNumber) ?? from ?? config.sender.messagingServiceSid ?? '';
}

/** Twilio says the recipient opted out (21610): remember it so the next send is refused early. */
async function markOptedOut(deps: SendDeps, ourNumber: string | undefined, to: string): Promise<void> {
  const store = await deps.store();
  if (!store || !ourNumber) return;
  await store.markOptedOut(ourNumber, to).catch((error: unknown) => deps.log.warn(`could not record the opt-out: ${describeFailure(error)}`));
}

/**
 * The message once Twilio has picked its sender (`from` set): read at once, then at the status
 * polls' pace, until then, a final status (a service with no sender fails it, 21704) or `deadline`.
 * A failed read leaves the message as it was: filed under the service, never resent.
 */
async function senderPicked(deps: SendDeps, client: TwilioClient, message: TwilioMessage, deadline: number): Promise<TwilioMessage> {
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
async function onlySender(deps: SendDeps, client: TwilioClient, serviceSid: string): Promise<string | null> {
  try {
    const numbers = await senderPool(client, serviceSid, deps.now().getTime());
    return numbers.length === 1 ? numbers[0]! : null;
  } catch (error) {
    deps.log.warn(`reading the Messaging Service's senders failed; filing the scheduled message under the service: ${describeFailure(error)}`);
    return null;
  }
}

/** Polls the message's status until it is final or `deadline` (ms since the epoch) comes. */
async function waitForFinalStatus(deps: SendDeps, client: TwilioClient, message: TwilioMessage, progress: Progress, deadline: number): Promise<TwilioMessage> {
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
async function findSentMessage(deps: SendDeps, client: TwilioClient, to: string, body: string, since: Date): Promise<TwilioMessage | null> {
  const recent = await withRetry(() => client.messages.list({ to, limit: 20, pageSize: 20 }));
  const slack = 5000; // the two clocks may differ a little
  const candidates = recent.filter((m) => m.body === body && m.direction.startsWith('outbound') && m.dateCreated.getTime() >= since.getTime() - slack);
  const store = candidates.length > 0 ? await deps.store() : null;
  for (const candidate of candidates) {
    if (!store || !candidate.from || !(await store.isRecordedOutbound(candidate.from, to, candidate.sid))) return candidate;
  }
  return null;
}

/** Writes the sent message into its conversation; a failure here is reported, never resent. */
async function recordInThread(deps: SendDeps, record: MessageRecord, inbox: InboxSnapshot | undefined, answerBy: number): Promise<{ stored: RecordedOutbound | null; warning: string | null }> {
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
async function advanceInThread(deps: SendDeps, stored: RecordedOutbound, message: TwilioMessage, answerBy: number): Promise<string | null> {
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
async function prepareConversation(deps: SendDeps, ourNumber: string, to: string, answerBy: number): Promise<void> {
  const store = await deps.store();
  await store?.until(answerBy).prepareConversation(ourNumber, to).catch((error: unknown) => {
    deps.log.warn(`preparing the new conversation with ${deps.log.phone(to)} failed: ${describeFailure(error)}`);
  });
}

/** After a refused first send: the prepared thread and sid map go, once made, if still empty. Best effort. */
async function discardConversation(deps: SendDeps, prepared: Promise<void>, ourNumber: string, to: string, answerBy: number): Promise<void> {
  await prepared;
  const store = await deps.store();
  await store?.until(answerBy).discardConversation(ourNumber, to).catch((error: unknown) => {
    deps.log.warn(`removing the empty conversation with ${deps.log.phone(to)} after the refusal failed: ${describeFailure(error)}`);
  });
}
