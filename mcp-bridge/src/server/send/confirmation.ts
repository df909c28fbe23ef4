/**
 * Confirmation mode (the human approves each text), and how a send names the sender and the
 * number it was given.
 */
import { CONFIRMATION_TTL_MINUTES } from '../../../../lib/guard/confirmations';
import type { SendInput } from '../../../../lib/outbound/send-input';
import { describeFailure } from '../../../../lib/twilio-errors';
import type { ApprovalRequest } from '../approval';
import type { BridgeConfig } from '../bridge-config';
import { callBudget } from '../call-budget';
import type { Logger } from '../logger';
import type { SendDeps, SendOutcome } from './types';

/**
 * Confirmation mode. When the client can ask its user (elicitation, approval.ts), the human
 * approves this exact message there, and true means they accepted; a token the model passes is
 * then neither checked nor used up, so no token, old or new, can stand in for the human. Otherwise
 * a preview with a new token, a refusal, or true when the call carries a valid token for this exact
 * message (used up now, by whichever bridge redeems it first).
 */
export async function confirmation(deps: SendDeps, input: SendInput, message: ApprovalRequest, callStartedAt: number): Promise<true | Pick<SendOutcome, 'outcome' | 'reason' | 'confirmationToken'>> {
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
export function shownSender(config: BridgeConfig, ourNumber: string | undefined): Pick<ApprovalRequest, 'from' | 'messagingServiceSid'> {
  const { messagingServiceSid, phoneNumber } = config.sender;
  const from = ourNumber && (!messagingServiceSid || !phoneNumber) ? ourNumber : undefined;
  return { from, messagingServiceSid: from ? undefined : messagingServiceSid };
}

/**
 * A refusal reason fit for the log. It quotes the number as given, trimmed and, when long, cut
 * (lib/phone.ts): masking only `input.to` verbatim missed " 4155550100 " and left it readable.
 */
export function maskGivenNumber(reason: string, to: string, log: Logger): string {
  const given = to.trim();
  if (given === '') return reason;
  return [given, given.slice(0, 24)].reduce((text, part) => text.replaceAll(part, log.phone(part)), reason);
}
