/**
 * cancel_scheduled_sms: cancels a message scheduled with send_sms sendAt, before Twilio sends it.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { describeFailure, isNotFound } from '../../../lib/twilio-errors';
import type { BridgeDeps } from '../deps';
import { ourNumberOf } from '../send-sms';
import { handled, ok, ToolInputError } from './result';

const MESSAGE_SID = /^(SM|MM)[0-9a-f]{32}$/;

export function registerCancelScheduledSms(server: McpServer, deps: BridgeDeps): void {
  server.registerTool(
    'cancel_scheduled_sms',
    {
      description: 'Cancels an SMS scheduled with sendAt, before it is sent.',
      inputSchema: { sid: z.string().describe('SID from send_sms.') },
      outputSchema: { sid: z.string(), status: z.string() },
      // Changes the message for good (destructive); cancelling twice leaves it canceled (idempotent).
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    },
    ({ sid }) =>
      handled(async () => {
        if (!MESSAGE_SID.test(sid.trim())) throw new ToolInputError(`"${sid.slice(0, 40)}" is not a message SID (SM followed by 32 hex characters). Use the SID send_sms returned.`);
        const client = await deps.twilio();
        let message;
        try {
          message = await client.messages(sid.trim()).update({ status: 'canceled' });
        } catch (error) {
          if (isNotFound(error)) throw new ToolInputError(`No message ${sid} in this account.`);
          throw new ToolInputError(`Could not cancel ${sid}: ${describeFailure(error)} Only a message still scheduled can be canceled.`);
        }
        deps.log.info(`canceled scheduled ${message.sid}: ${message.status}`);
        const store = await deps.store();
        await store
          ?.applyStatus({ sid: message.sid, from: ourNumberOf(deps.config, message.from), to: message.to, status: 'canceled', errorCode: null, at: deps.now().toISOString() })
          .catch((error: unknown) => deps.log.warn(`recording the cancellation of ${message.sid} failed: ${describeFailure(error)}`));
        return ok(`[FINAL] Scheduled SMS ${message.sid} canceled; it will not be sent.`, { sid: message.sid, status: message.status });
      }),
  );
}
