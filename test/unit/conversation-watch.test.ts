/**
 * resources/subscribe's watch reads through the store's scope: a reader subscribed to another
 * number's conversation is told nothing of it, while its own conversation's changes arrive.
 * (It read the inbox index directly before, so a change in anyone's conversation was announced.)
 */
import { conversationIdFor } from '../../lib/conversation-id';
import { CONVERSATION_URI_PREFIX, ConversationWatch } from '../../mcp-bridge/src/resources/conversation-watch';
import { inboundRecord, OURS, OURS_2, THEM, useStoreHarness } from './support/store-harness';

const h = useStoreHarness();

test('a change in a conversation outside the reader scope is not announced; one inside is', async () => {
  const service = h.fresh();
  const writer = service.store(); // the Functions: the whole service
  const reader = service.store({ scope: { reader: 'alice', numbers: [OURS] } });
  const own = `${CONVERSATION_URI_PREFIX}${conversationIdFor(OURS, THEM)}`;
  const others = `${CONVERSATION_URI_PREFIX}${conversationIdFor(OURS_2, THEM)}`;
  await writer.recordInbound(inboundRecord(THEM, 'first, ours'));
  await writer.recordInbound(inboundRecord(THEM, "first, someone else's", { to: OURS_2 }));

  const notified: string[] = [];
  const watch = new ConversationWatch({ store: async () => reader, notify: async (uri) => void notified.push(uri), log: () => undefined, minMs: 5, maxMs: 20 });
  try {
    await watch.subscribe(own);
    await watch.subscribe(others);
    await writer.recordInbound(inboundRecord(THEM, "second, someone else's", { to: OURS_2 }));
    await writer.recordInbound(inboundRecord(THEM, 'second, ours'));
    const deadline = Date.now() + 5_000;
    while (!notified.includes(own) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    // A few more polls, in which the other conversation's change would have been seen too.
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    watch.stop();
  }
  expect(notified).toContain(own);
  expect(notified).not.toContain(others);
});
