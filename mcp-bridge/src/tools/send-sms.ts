/**
 * send_sms: one message to one number. Single-use by contract: every result starts with [FINAL],
 * and the guard in send-guard.ts makes a repeated call a no-op rather than a second text.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { describeSegments } from '../../../lib/segments';
import { clientApproval } from '../server/approval';
import type { BridgeDeps } from '../server/deps';
import { sendMessage, type SendOutcome } from '../server/send/send-message';
import { ok } from '../server/tool-result';

// The seed's emphasis, which its users' prompts rely on: a SINGLE message, called ONCE, NEVER resent.
const DESCRIPTION = [
  'Sends a SINGLE SMS/MMS or WhatsApp text when asked.',
  'Call ONCE per message: NEVER resend or retry; results are [FINAL].',
  'On a [PREVIEW], call again with its confirmationToken only if the user approves.',
].join(' ');

export const sendSmsInput = {
  to: z.string().describe('E.164 or whatsapp:+E.164'),
  body: z.string().describe('Max 1,600 chars'),
  mediaUrl: z.array(z.string()).optional().describe('https URLs'),
  sendAt: z.string().optional().describe('ISO 8601, 15 min-35 days ahead'),
  confirmationToken: z.string().optional(),
  from: z.string().optional().describe('Your number'),
  contentSid: z.string().optional().describe('WhatsApp template HX…; body ""'),
  contentVariables: z.string().optional(),
};

export const sendSmsOutput = {
  channel: z.enum(['sms', 'whatsapp']).optional(),
  outcome: z.enum(['sent', 'scheduled', 'failed', 'refused', 'unknown', 'already_sent', 'needs_confirmation', 'declined']),
  sid: z.string().nullable(),
  status: z.string().nullable(),
  errorCode: z.number().nullable(),
  reason: z.string().nullable(),
  conversationId: z.string().nullable(),
  warning: z.string().nullable(),
  confirmationToken: z.string().optional(),
  sendAt: z.string().optional(),
  segments: z
    .object({
      encoding: z.enum(['GSM-7', 'UCS-2']),
      segments: z.number().describe('SMS segments Twilio bills for the body.'),
      units: z.number().describe('GSM-7 characters (extension characters count two) or UCS-2 UTF-16 units.'),
      perSegment: z.number().describe('160 / 70 in a single message, 153 / 67 per part once split.'),
      ucs2Character: z.string().nullable().describe('The first character that forced UCS-2.'),
      countedTwice: z.array(z.string()).describe('Characters counted twice.'),
      smartReplaced: z.array(z.string()).describe('Characters Smart Encoding replaces (SEND_SMART_ENCODING).'),
    })
    .optional()
    .describe('The body\'s size in segments and why; absent with media (MMS).'),
};

/**
 * The text the model reads. It always starts with [FINAL] and always says not to send again. It
 * names the conversation id wait_for_reply takes: LibreChat shows the model this text only.
 */
export function sendResultText(result: SendOutcome): string {
  // WhatsApp has no segments (send-message.ts counts none), so `size` below stays null for it.
  const what = result.channel === 'whatsapp' ? 'WhatsApp message' : 'SMS';
  const sid = result.sid ? ` (SID ${result.sid})` : '';
  const warning = result.warning ? ` Note: ${result.warning}` : '';
  const conversation = result.conversationId ? ` Conversation ${result.conversationId} (wait_for_reply takes it).` : '';
  // What it costs: Twilio bills per segment (lib/segments.ts counts them as Twilio does).
  const size = result.segments ? describeSegments(result.segments) : null;
  const billed = (words: string) => (size ? ` ${words} ${size}.` : '');
  switch (result.outcome) {
    case 'sent': {
      // WhatsApp reports `read` once the user opened it: delivered, and more.
      const reached = result.status === 'delivered' ? 'delivered' : result.status === 'read' ? 'delivered and read' : `${result.status}; no delivery receipt yet`;
      return `[FINAL] ${what} sent to ${result.to}${sid}: ${reached}. Do not send it again.${conversation}${warning}${billed('Twilio bills it as')}`;
    }
    case 'already_sent':
      return `[FINAL] Not sent again: ${(result.reason ?? 'Already sent.').replace(/\.$/, '')}${sid}${result.status ? `, status ${result.status}` : ''}. Do not resend it.${conversation}`;
    case 'failed': {
      // The code is named once, up front; describeFailure's reason starts with it too.
      const reason = result.errorCode ? (result.reason ?? '').replace(`Twilio error ${result.errorCode}: `, '') : result.reason;
      return `[FINAL] ${what} to ${result.to} failed${sid}${result.errorCode ? ` (Twilio error ${result.errorCode})` : ''}: ${reason} Do not retry; tell the user.${warning}`;
    }
    case 'refused':
      return `[FINAL] Not sent: ${result.reason} Nothing was sent. Do not retry the same call; fix the input or tell the user.`;
    case 'unknown':
      return `[FINAL] Outcome unknown for the ${what} to ${result.to}${sid}: ${result.reason} Do not resend: it may already have arrived.${billed('If it went out, Twilio bills it as')}`;
    case 'scheduled':
      return `[FINAL] ${what} to ${result.to} scheduled for ${result.sendAt}${sid}. Do not schedule it again; cancel_scheduled_sms cancels it.${conversation}${warning}${billed('Twilio will bill it as')}`;
    case 'declined':
      // Confirmation through the client: the human said no, closed the prompt, or did not answer.
      return `[FINAL] Not sent: ${result.reason} Nothing was sent to ${result.to}. Do not retry or resend it; ask the user what they want instead.`;
    case 'needs_confirmation':
      // Confirmation mode only: not final by design, a human approves first.
      return `[PREVIEW, NOT SENT] To ${result.to}: show the user this exact message and ask them to approve.${billed('Twilio will bill it as')} Only if they approve, call send_sms once more with the same to, body${result.channel === 'whatsapp' ? ' (and contentSid, contentVariables)' : ''} and confirmationToken "${result.confirmationToken}".`;
  }
}

export function registerSendSms(server: McpServer, deps: BridgeDeps): void {
  server.registerTool(
    'send_sms',
    {
      description: DESCRIPTION,
      inputSchema: sendSmsInput,
      outputSchema: sendSmsOutput,
      // Not idempotent (each call is a text), not destructive (nothing is overwritten), open world.
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    async (input, extra) => {
      const token = extra._meta?.progressToken;
      // Confirmation mode asks this call's client, when it can, to let its user approve (approval.ts).
      const approve = clientApproval(server.server, { requestId: extra.requestId, signal: extra.signal });
      const result = await sendMessage({ ...deps, approve }, input, async (message, progress) => {
        if (token === undefined) return;
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, message } });
      }).catch((error: unknown): SendOutcome => {
        // Only the steps before the create call can throw (sendMessage catches everything after it).
        deps.log.error(`send_sms failed before reaching Twilio: ${error instanceof Error ? error.message : String(error)}`);
        return { outcome: 'refused', to: input.to, sid: null, status: null, errorCode: null, conversationId: null, warning: null, reason: 'The bridge could not reach Twilio (see its log).' };
      });
      // The caller knows `to`; the text repeats it for the model.
      const { to: _to, ...structured } = result;
      structured satisfies z.infer<z.ZodObject<typeof sendSmsOutput>>;
      const response = ok(sendResultText(result), structured);
      const expected = result.outcome === 'sent' || result.outcome === 'scheduled' || result.outcome === 'already_sent' || result.outcome === 'needs_confirmation' || result.outcome === 'declined';
      return expected ? response : { ...response, isError: true };
    },
  );
}
