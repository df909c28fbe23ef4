/**
 * The policy checks of a send, before any Messages API call (send-message.ts runs them in order).
 */
import type { InboxEntry } from '../../../../lib/message-record';
import type { CheckedSend, SendInput } from '../../../../lib/outbound/send-input';
import { checkSendAt, isAllowedRecipient, replyOnlyRefusal } from '../../../../lib/outbound/send-policy';
import { chooseFromNumber, fromNumberCandidates } from '../../../../lib/outbound/from-number';
import { quietHoursRefusal } from '../../../../lib/outbound/quiet-hours';
import { approvedTemplates, describeTemplates } from '../../../../lib/outbound/templates';
import type { InboxSnapshot } from '../../../../lib/store/message-store';
import { describeFailure } from '../../../../lib/twilio-errors';
import { type Channel, channelOf, windowAt } from '../../../../lib/whatsapp';
import type { BridgeConfig } from '../bridge-config';
import type { SendDeps } from './types';

/**
 * The policy checks before any Messages API call; the first refusal wins and names its rule.
 * First the rules that read nothing (checkRules), then those that read the conversation's inbox
 * entry (checkRecipient), beside which sendMessage makes the guard's reservation. When the send
 * may go, what the checks learnt travels on: the sending number, and the conversation's inbox
 * entry read for the opt-out check (null: a new conversation), so that recording the message
 * afterwards need not read it again.
 */
export type PolicyVerdict = { ok: false; reason: string } | { ok: true; ourNumber: string | undefined; inbox: InboxSnapshot | undefined };

/**
 * The rules that read nothing: a refusal, or the numbers to send from and the quiet-hours refusal,
 * if any, which comes last: a STOP or a policy refusal is final, while quiet hours say when it
 * could go (sendAt).
 */
export type Rules = { ok: false; reason: string } | { ok: true; numbers: readonly string[] | null; quiet: string | null };

export async function checkRules(deps: SendDeps, checked: Extract<CheckedSend, { ok: true }>, input: SendInput): Promise<Rules> {
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

export async function checkRecipient(deps: SendDeps, checked: Extract<CheckedSend, { ok: true }>, input: SendInput, rules: Extract<Rules, { ok: true }>): Promise<PolicyVerdict> {
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
