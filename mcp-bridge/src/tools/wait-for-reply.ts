/**
 * wait_for_reply: returns as soon as a new inbound message arrives in a conversation (handing it
 * over like receive_sms), or when the wait ends: the time asked for, but never past the client's
 * request timeout (call-budget.ts), so the answer is always there before the client gives up.
 * Polls the inbox entry only (one read per poll), with backoff.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import type { BridgeDeps } from '../server/deps';
import { callBudget, maxWaitSeconds } from '../server/call-budget';
import { handoverResult, receivedOutput, returning } from './receive-sms';
import { handled, ok, requireConversationId, requireStore } from '../server/tool-result';

export const MAX_WAIT_SECONDS = 240;
const POLL_MS = [500, 1000, 1500, 2000, 3000];
/** Every this many polls the conversation is read whatever the news mark says (about 30 s). */
const POLLS_PER_FULL_READ = 10;

export function registerWaitForReply(server: McpServer, deps: BridgeDeps): void {
  const longest = Math.min(MAX_WAIT_SECONDS, maxWaitSeconds(deps.config.clientTimeoutSeconds));
  server.registerTool(
    'wait_for_reply',
    {
      description: `Waits (max ${longest} s/call) for a reply, like receive_sms. None? Call again or tell the user; never resend.`,
      inputSchema: { conversationId: z.string(), timeoutSeconds: z.number().int().min(1).max(MAX_WAIT_SECONDS).optional() },
      outputSchema: { ...receivedOutput, timedOut: z.boolean(), waitedSeconds: z.number() },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ conversationId, timeoutSeconds }, extra) =>
      handled(async () => {
        const id = requireConversationId(conversationId);
        const store = await requireStore(deps);
        const token = extra._meta?.progressToken;
        const started = deps.now().getTime();
        const asked = (timeoutSeconds ?? longest) * 1000;
        const deadline = Math.min(started + asked, callBudget(deps.config.clientTimeoutSeconds, started).waitUntil);
        const waited = () => Math.round((deps.now().getTime() - started) / 1000);
        // Known to exist before any reconciliation writes: a refused call changes nothing.
        let known: Awaited<ReturnType<typeof store.requireConversation>> | undefined = await store.requireConversation(id);
        const ourNumber = known.entry.ourNumber;
        // The conversation's news mark (lib/store/news.ts) as read before the last takeNew: while
        // it stays the same, no reply was counted since, and the poll costs that one read instead
        // of the inbox shard's (every user's receive reads those). The first take used an entry
        // read before any mark, and the last one at the deadline is always made.
        let seen: string | null = null;
        for (let poll = 0; !extra.signal.aborted; poll++) {
          // Due at most once per interval: a long wait also sees a reply the webhook missed.
          const caughtUp = await deps.reconcile(store);
          const marks = poll === 0 ? null : await store.conversationMark(ourNumber, id);
          const final = deadline - deps.now().getTime() <= 0;
          if (marks !== null && marks === seen && !caughtUp && !final && poll % POLLS_PER_FULL_READ !== 0) {
            await deps.sleep(Math.min(POLL_MS[Math.min(poll, POLL_MS.length - 1)]!, Math.max(0, deadline - deps.now().getTime())), extra.signal);
            continue;
          }
          const handover = await store.takeNew(id, { signal: extra.signal }, caughtUp ? undefined : known);
          known = undefined;
          seen = marks;
          if (handover.messages.length > 0) {
            if (handover.recovered) deps.log.info(`wait_for_reply: ${handover.recovered} message(s) recovered from handovers that never reached a client`);
            const result = handoverResult(returning(deps, extra, [handover]), '');
            return { ...result, structuredContent: { ...result.structuredContent, timedOut: false, waitedSeconds: waited() } };
          }
          const left = deadline - deps.now().getTime();
          if (left <= 0) break;
          if (token !== undefined) {
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken: token, progress: waited(), total: Math.round((deadline - started) / 1000), message: `No reply yet after ${waited()} s.` },
            });
          }
          // The last poll comes at the deadline itself: a wait of 3 s waits 3 s.
          await deps.sleep(Math.min(POLL_MS[Math.min(poll, POLL_MS.length - 1)]!, left), extra.signal);
        }
        const seconds = waited();
        const capped = deadline < started + asked ? ` (the longest one call may wait here: the client's timeout is ${deps.config.clientTimeoutSeconds} s)` : '';
        return ok(`No reply yet: waited ${seconds} s${capped}, nothing new in ${id}. Call wait_for_reply again to keep waiting, or tell the user.`, { messages: [], timedOut: true, waitedSeconds: seconds });
      }),
  );
}
