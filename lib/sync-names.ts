/**
 * Names of the Sync objects that make up the store. Unique names must not look like a SID
 * (`[A-Z]{2}[a-f0-9]{32}`), which these cannot.
 *
 *   thread_<conversationId>   List: the conversation's messages, append-only, in arrival order
 *   sids_<conversationId>     Map: MessageSid → claim / list index (dedupe and status updates);
 *                             also `d_<hash>_<token>`: a reader's handover known to have reached
 *                             a client (handover.ts), expiring after a day
 *   inbox_<0..7>              Maps: conversationId → InboxEntry, sharded by conversation id
 *   cursors_<hash>_<0..7>     Maps: one named reader's (SMS_USER's) receive cursors,
 *                             conversationId → ReadCursorRecord, sharded as the inbox
 *   sent_<hash>               Map: one owner's recent sends (duplicate claims, confirmation
 *                             tokens), items expiring with the duplicate window
 *   guard_ledgers             Map: owner → that owner's send-cap ledger; the account's caps
 *                             count all of them (one page read, one write of the owner's item)
 *   marks_<hash>_<0..7>       Maps per our number: an item per conversation, rewritten after each
 *                             incoming message's count (news.ts): what a polling reader reads first
 *   reconcile_<0..7>          Maps: reconciled source (one of our numbers, or a Messaging
 *                             Service) → how far its Twilio message log has been reconciled
 *
 * The inbox is sharded because Sync allows 20 writes/s per object: one index Map would cap the
 * whole product at 20 incoming messages per second. Eight shards let list_conversations read the
 * inbox in eight calls while every other write lands on a per-conversation object. For the same
 * reason each send writes the guard's shared object once (its own owner's item of the ledgers
 * Map), and its duplicate claim lives in a Map of its owner only: at most three writes a send
 * (claim, sent, final status), so some six sends a second, above a long code's one a second (and
 * the ledgers Map's one write a send already bounds the whole service at 20).
 * One Map per owner, not per recipient, so that it exists from the owner's first send on and
 * the claim of a first message to someone is one round trip, not a 404 and a create first.
 */
import { sha256 } from './crypto';

export const INBOX_SHARDS = 8;

export function threadListName(conversationId: string): string {
  return `thread_${conversationId}`;
}

export function sidMapName(conversationId: string): string {
  return `sids_${conversationId}`;
}

export function inboxShardName(shard: number): string {
  return `inbox_${shard}`;
}

export function inboxShardFor(conversationId: string): string {
  const first = sha256(conversationId)[0]!;
  return inboxShardName(first % INBOX_SHARDS);
}

export function allInboxShards(): string[] {
  return Array.from({ length: INBOX_SHARDS }, (_, shard) => inboxShardName(shard));
}

/** A short stable hash, to keep numbers and message texts out of Sync names and keys. */
export function shortHash(value: string): string {
  return sha256(value).toString('hex').slice(0, 16);
}

/** `owner`: the guard's owner key, a reader key (one SMS_USER) or "shared" (one-person bridges). */
export function sentMapName(owner: string): string {
  return `sent_${shortHash(owner)}`;
}

/**
 * The Map holding `reader`'s cursor in this conversation: one per reader and inbox shard. A
 * cursor is its own item, not a field of the shared inbox entry, so the entry's size does not grow
 * with the number of readers (Sync refuses an item over 16 KiB with 54006) and a reader's
 * handover never conflicts with the webhooks' counts. Sharded like the inbox so that a receive
 * across many conversations writes at most TAKE_PER_SHARD items of one object at once (handover.ts).
 */
export function readerCursorMapName(reader: string, conversationId: string): string {
  return `cursors_${shortHash(reader)}_${inboxShardFor(conversationId).slice('inbox_'.length)}`;
}

/**
 * The key, in the conversation's sid Map (which exists once it has a message), recording that one
 * of `reader`'s handovers reached a client (null: the one-person cursor's). A create per handover,
 * after its answer is written: an item of its own, not a field of the cursor, so that it never
 * conflicts with the reader's next take, and in a Map that already exists, so never a Map create.
 */
export function deliveredKey(reader: string | null, token: string): string {
  return `d_${shortHash(reader ?? 'shared')}_${token}`;
}

/** Every cursor Map of one reader, one per inbox shard. */
export function allReaderCursorMaps(reader: string): string[] {
  return Array.from({ length: INBOX_SHARDS }, (_, shard) => `cursors_${shortHash(reader)}_${shard}`);
}

/** Maps of news marks per number of ours: each takes 20 writes/s, one per incoming message. */
export const MARK_SHARDS = 8;

/**
 * The Maps of our number's news marks (news.ts), an item per conversation, sharded as the inbox
 * is, by conversation: every reader of the number pages them on each poll, so they are the
 * number's own objects (Sync: 20 reads and 20 writes/s per object), read by that number's readers
 * only, and MARK_SHARDS of them take 160 incoming messages a second to one number. (Before issue
 * 27's second part: `news_<0..7>`, one item per number; left unused in existing services.)
 */
export function newsMapsFor(ourNumber: string): string[] {
  return Array.from({ length: MARK_SHARDS }, (_, shard) => `marks_${shortHash(ourNumber)}_${shard}`);
}

/** The one of newsMapsFor(ourNumber) that holds this conversation's mark. */
export function newsMapFor(ourNumber: string, conversationId: string): string {
  return newsMapsFor(ourNumber)[sha256(conversationId)[0]! % MARK_SHARDS]!;
}

export const GUARD_LEDGERS_MAP = 'guard_ledgers';

export const RECONCILE_STATE_SHARDS = 8;

/**
 * The Map holding a reconciled source's state (reconcile/schedule.ts), sharded by source: every
 * bridge of every user reads and writes its sources' state at each turn, and one Map for all of
 * them was the first object to saturate from 200 users (issue 27). (Before: `reconcile_state`,
 * one Map; a source whose state is not found starts with a first run, which stores nothing twice.)
 */
export function reconcileStateMapFor(source: string): string {
  return `reconcile_${sha256(source)[0]! % RECONCILE_STATE_SHARDS}`;
}
