/**
 * wait_for_reply: returns as soon as a new inbound message arrives in a conversation (handing it
 * over like receive_sms), or when the bound passes. The bound stays under LibreChat's ~5 minute
 * tool-call ceiling. Polls the inbox entry only (one read per poll), with backoff.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { hasNewInbound } from '../../../lib/store/inbox';
import { UnknownConversationError } from '../../../lib/store/message-store';
import type { BridgeDeps } from '../deps';
import { handoverResult, receivedOutput } from './receive-sms';
import { handled, ok, requireConversationId, requireStore } from './result';

export const MAX_WAIT_SECONDS = 240;
const POLL_MS = [500, 1000, 1500, 2000, 3000];

export function registerWaitForReply(server: McpServer, deps: BridgeDeps): void {
  server.registerTool(
    'wait_for_reply',
    {
      description: 'Waits up to timeoutSeconds for a reply in a conversation; returns it like receive_sms.',
      inputSchema: {
        conversationId: z.string().describe('From list_conversations or send_sms.'),
        timeoutSeconds: z.number().int().min(1).max(MAX_WAIT_SECONDS).optional().describe('Default 60.'),
      },
      outputSchema: { ...receivedOutput, timedOut: z.boolean() },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ conversationId, timeoutSeconds = 60 }, extra) =>
      handled(async () => {
        const id = requireConversationId(conversationId);
        const store = await requireStore(deps);
        const token = extra._meta?.progressToken;
        const started = deps.now().getTime();
        const deadline = started + timeoutSeconds * 1000;
        for (let poll = 0; ; poll++) {
          const found = await store.inbox.get(id);
          if (!found) throw new UnknownConversationError(id);
          if (hasNewInbound(found.entry) || store.hasUnsettled(id)) {
            const handover = await store.takeNew(id, found);
            if (handover.messages.length > 0) {
              const result = handoverResult([handover], '');
              return { ...result, structuredContent: { ...result.structuredContent, timedOut: false } };
            }
          }
          const delay = POLL_MS[Math.min(poll, POLL_MS.length - 1)]!;
          if (deps.now().getTime() + delay > deadline || extra.signal.aborted) break;
          if (token !== undefined) {
            const waited = Math.round((deps.now().getTime() - started) / 1000);
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken: token, progress: waited, total: timeoutSeconds, message: `No reply yet after ${waited} s.` },
            });
          }
          await deps.sleep(delay);
        }
        return ok(`No reply within ${timeoutSeconds} s. Nothing new in ${id}. You can wait again or tell the user.`, { messages: [], timedOut: true });
      }),
  );
}
