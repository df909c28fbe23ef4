/**
 * One conversation's worth of calls through every tool, made comparable across transports (the
 * HTTP service, the /mcp Function and stdio must give the same texts and structured results):
 * the handset, the conversation id, SIDs, times and paging cursors replaced by placeholders.
 */
import { conversationIdFor } from '../../lib/conversation-id';
import { threadListName } from '../../lib/sync-names';
import { eventually, MAGIC_FROM_NUMBER, type System } from './system';

export type ToolCall = (name: string, args?: Record<string, unknown>) => Promise<{ text: string; structured: unknown; isError: boolean }>;

export async function transportScript(system: System, call: ToolCall, handset: string): Promise<unknown> {
  const conversationId = conversationIdFor(MAGIC_FROM_NUMBER, handset);
  const steps: unknown[] = [];
  const step = async (name: string, args: Record<string, unknown> = {}) => steps.push({ name, ...(await call(name, args)) });
  await step('send_sms', { to: handset, body: 'Table for two at 8?' });
  // Its status callbacks come while the next calls run: every run reads the thread once they have
  // landed, so that get_conversation shows the same status whichever transport is faster.
  const thread = system.twilio.sync.v1.services(system.syncServiceSid).syncLists(threadListName(conversationId));
  await eventually(async () => (await thread.syncListItems.list({ limit: 5 })).some((item) => (item.data as { status?: unknown }).status === 'delivered'));
  await system.emulator.simulateInbound({ from: handset, to: MAGIC_FROM_NUMBER, body: 'Yes please' });
  await step('receive_sms', { conversationId });
  await step('list_conversations', { limit: 1 });
  await step('get_conversation', { conversationId });
  await step('wait_for_reply', { conversationId, timeoutSeconds: 1 });
  await step('cancel_scheduled_sms', { sid: 'not-a-sid' });
  await step('get_media', { url: 'https://example.com/cat.png' });
  return JSON.parse(
    JSON.stringify(steps)
      .replaceAll(handset.slice(1), 'HANDSET')
      .replaceAll(conversationId, 'CONVERSATION')
      .replace(/(SM|MM)[0-9a-f]{32}/g, 'SID')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'TIME')
      // A later run finds the earlier one's conversation too: only whether a next page exists differs.
      .replace(/"nextCursor":"[^"]*"/g, '"nextCursor":null')
      .replace(/\\nMore: call again with cursor \\"[^"\\]*\\"\./g, ''),
  ) as unknown;
}
