/**
 * cancel_scheduled_sms: cancels a message scheduled with send_sms sendAt, before Twilio sends it.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { describeFailure, isNotFound } from '../../../lib/twilio-errors';
import type { BridgeDeps } from '../server/deps';
import { ourNumberOf } from '../../../lib/outbound/from-number';
import { channelOf } from '../../../lib/whatsapp';
import { handled, ok, requireScope, ToolInputError } from '../server/tool-result';

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/;

/**
 * A bridge limited to its numbers cancels only what those numbers send. A message scheduled
 * through the Messaging Service has no From until it goes: it is ours when the service is, and
 * the bridge is one person's (per-user bridges always name their From).
 */
function sentFrom(deps: BridgeDeps, numbers: readonly string[], message: { from: string | null; messagingServiceSid: string | null }): boolean {
  if (message.from) return numbers.includes(message.from);
  const { sender } = deps.config;
  return sender.phoneNumber !== undefined && message.messagingServiceSid !== null && message.messagingServiceSid === sender.messagingServiceSid;
}

export function registerCancelScheduledSms(server: McpServer, deps: BridgeDeps): void {
  server.registerTool(
    'cancel_scheduled_sms',
    {
      description: 'Cancels a scheduled (sendAt) message by SID. Not for sent ones.',
      inputSchema: { sid: z.string() },
      outputSchema: { sid: z.string(), status: z.string() },
      // Changes the message for good (destructive); cancelling twice leaves it canceled (idempotent).
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    ({ sid }) =>
      handled(async () => {
        if (!MESSAGE_SID.test(sid.trim())) throw new ToolInputError(`"${sid.slice(0, 40)}" is not a message SID (SM followed by 32 hex characters). Use the SID send_sms returned.`);
        const { numbers } = requireScope(deps);
        const client = await deps.twilio();
        let message;
        try {
          const mine = numbers === null || sentFrom(deps, numbers, await client.messages(sid.trim()).fetch());
          message = mine ? await client.messages(sid.trim()).update({ status: 'canceled' }) : null;
        } catch (error) {
          if (isNotFound(error)) throw new ToolInputError(`No message ${sid} in this account.`);
          throw new ToolInputError(`Could not cancel ${sid}: ${describeFailure(error)} Only a message still scheduled can be canceled.`);
        }
        if (!message) throw new ToolInputError(`No message ${sid} in this account.`);
        deps.log.info(`canceled scheduled ${message.sid}: ${message.status}`);
        const store = await deps.store();
        await store
          ?.applyStatus({ sid: message.sid, from: ourNumberOf(deps.config, message.from, channelOf(message.to)), to: message.to, status: 'canceled', errorCode: null, at: deps.now().toISOString() })
          .catch((error: unknown) => deps.log.warn(`recording the cancellation of ${message.sid} failed: ${describeFailure(error)}`));
        return ok(`[FINAL] Scheduled SMS ${message.sid} canceled; it will not be sent.`, { sid: message.sid, status: message.status });
      }),
  );
}
