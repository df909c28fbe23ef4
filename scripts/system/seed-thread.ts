/**
 * Long threads in Sync, seeded fast for the thread-length benchmark and test: plain appends, then
 * the inbox entry as the store would leave it with everything handed over, rather than one
 * recordInbound per message (which would take minutes for 10,000).
 */
import { conversationIdFor } from '../../lib/conversation-id';
import type { MessageRecord } from '../../lib/message-record';
import { Inbox } from '../../lib/store/inbox';
import type { MessageStore } from '../../lib/store/message-store';
import type { SyncGateway } from '../../lib/store/sync-gateway';
import { threadListName } from '../../lib/sync-names';

export interface SeededThread {
  size: number;
  them: string;
  conversationId: string;
  /** Next record number (sids stay unique within the thread). */
  next: number;
}

/** Message `i` of the thread between `ourNumber` and `them`, one second after the one before. */
export function threadRecord(ourNumber: string, i: number, them: string, direction: 'inbound' | 'outbound' = 'inbound'): MessageRecord {
  const sid = `SM${i.toString(16).padStart(8, '0')}${them.slice(-4)}${'0'.repeat(20)}`;
  const at = new Date(Date.UTC(2026, 10, 1) + i * 1000).toISOString();
  return {
    sid, direction, from: direction === 'inbound' ? them : ourNumber, to: direction === 'inbound' ? ourNumber : them,
    body: `message ${i}`, media: [], numSegments: 1, status: direction === 'inbound' ? 'received' : 'delivered',
    errorCode: null, createdAt: at, statusAt: at, processed: false,
  };
}

/** `size` messages, alternating inbound and outbound, 100 appends in flight; all of them handed over. */
export async function seedThread(sync: SyncGateway, ourNumber: string, them: string, size: number): Promise<SeededThread> {
  const record = (i: number, direction?: 'inbound' | 'outbound') => threadRecord(ourNumber, i, them, direction);
  const conversationId = conversationIdFor(ourNumber, them);
  const list = threadListName(conversationId);
  await sync.appendOnce(list, record(0), () => false);
  for (let next = 1; next < size; next += 100) {
    await Promise.all(Array.from({ length: Math.min(100, size - next) }, (_, k) => sync.appendOnce(list, record(next + k, (next + k) % 2 ? 'outbound' : 'inbound'), () => false)));
  }
  // Written straight into the index: the store keeps its inbox to itself.
  await new Inbox(sync).update(conversationId, () => ({
    conversationId, ourNumber, theirNumber: them, createdAt: record(0).createdAt, lastActivityAt: record(size - 1).createdAt,
    lastDirection: 'inbound', messageCount: size, inboundCount: Math.ceil(size / 2), lastInboundIndex: size - 1, cursorIndex: size - 1, handedOver: Math.ceil(size / 2), recentSids: [], optedOut: false,
  }));
  return { size, them, conversationId, next: size };
}

/** `count` new inbound messages through the store, as the Functions would record them: what receive_sms then hands over. */
export async function addInbound(store: MessageStore, ourNumber: string, thread: SeededThread, count = 3): Promise<void> {
  for (let k = 0; k < count; k++) await store.recordInbound(threadRecord(ourNumber, thread.next++, thread.them));
}
