/**
 * list_conversations: the inbox, most recent activity first, with unread counts. Reads only the
 * inbox index (one call per shard), never the threads.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import type { InboxEntry } from '../../../lib/message-record';
import { unreadCount } from '../../../lib/store/read-cursor';
import type { BridgeDeps } from '../server/deps';
import { handled, ok, requireStore, ToolInputError } from '../server/tool-result';
import { channelView, channelWords, WindowSchema } from '../server/views';

/** The cursor is the position after the last entry returned: its activity time and id. */
function encodeCursor(entry: InboxEntry): string {
  return Buffer.from(JSON.stringify([entry.lastActivityAt, entry.conversationId])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && value.every((part) => typeof part === 'string')) return value as [string, string];
  } catch {
    // fall through to the error below
  }
  throw new ToolInputError('That cursor is not one list_conversations returned. Call it without a cursor to start from the most recent conversation.');
}

/** Recent first; ties broken by id so paging is stable. */
function isAfter(entry: InboxEntry, [at, id]: [string, string]): boolean {
  return entry.lastActivityAt < at || (entry.lastActivityAt === at && entry.conversationId > id);
}

export function registerListConversations(server: McpServer, deps: BridgeDeps): void {
  server.registerTool(
    'list_conversations',
    {
      description: 'Inbox, newest first: unread counts, opt-outs, conversationIds. Never text opted-out numbers.',
      inputSchema: { limit: z.number().int().min(1).max(100).optional(), cursor: z.string().optional() },
      outputSchema: {
        conversations: z.array(
          z.object({
            conversationId: z.string(),
            ourNumber: z.string(),
            theirNumber: z.string(),
            lastActivityAt: z.string(),
            messageCount: z.number(),
            unreadCount: z.number(),
            optedOut: z.boolean(),
            channel: z.enum(['sms', 'whatsapp']),
            window: WindowSchema,
          }),
        ),
        nextCursor: z.string().nullable(),
      },
      // destructiveHint and idempotentHint only apply to tools that write (MCP spec).
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ limit = 20, cursor }) =>
      handled(async () => {
        const after = cursor === undefined ? null : decodeCursor(cursor);
        const store = await requireStore(deps);
        await deps.reconcile(store);
        const all = await store.listConversations();
        const remaining = after ? all.filter((entry) => isAfter(entry, after)) : all;
        const page = remaining.slice(0, limit);
        const nextCursor = remaining.length > limit ? encodeCursor(page.at(-1)!) : null;
        const conversations = page.map((entry) => ({
          conversationId: entry.conversationId,
          ourNumber: entry.ourNumber,
          theirNumber: entry.theirNumber,
          lastActivityAt: entry.lastActivityAt,
          messageCount: entry.messageCount,
          unreadCount: unreadCount(entry, store.scope.reader),
          optedOut: entry.optedOut,
          ...channelView(entry, deps.now()),
        }));
        // Which of our numbers, only when there are several to tell apart.
        const ours = new Set(conversations.map((c) => c.ourNumber)).size > 1;
        const lines = conversations.map(
          (c) => `- ${c.conversationId} with ${c.theirNumber}${ours ? ` (on ${c.ourNumber})` : ''}: ${c.messageCount} message(s), ${c.unreadCount} unread, last activity ${c.lastActivityAt}${c.optedOut ? ', OPTED OUT (do not text)' : ''}${channelWords(c)}`,
        );
        const text = conversations.length
          ? `${conversations.length} conversation(s), most recent first:\n${lines.join('\n')}${nextCursor ? `\nMore: call again with cursor "${nextCursor}".` : ''}`
          : 'No conversations yet.';
        return ok(text, { conversations, nextCursor });
      }),
  );
}
