/**
 * The inbox index: one InboxEntry per conversation in a sharded Sync Map (see sync-names.ts).
 * Every change is a read-modify-write guarded by If-Match, so the Functions (counting new
 * messages) and the bridge (moving the receive cursor) never overwrite each other.
 */
import { type InboxEntry, InboxEntrySchema } from '../message-record';
import { allInboxShards, inboxShardFor } from '../sync-names';
import { MAX_CONFLICTS } from './stored-message';
import { isDuplicateKey, isRevisionConflict, type SyncGateway } from './sync-gateway';

/** How many of the newest sids an entry remembers, to count a retried write only once. */
const RECENT_SIDS = 32;

/**
 * Entries written before named readers' cursors had items of their own (reader-cursors.ts) may
 * still carry `readers`, frozen since: nothing adds to it now. Sync refuses an item over 16 KiB
 * (54006), and such an entry could sit close enough that the recentSids growing to 32 would pass
 * it and make every later count fail. Past this size a count drops the legacy cursors: a reader
 * who has not received since the upgrade is then handed that conversation's messages again
 * (once more, never lost), where keeping them would stop the conversation from being counted.
 */
const LEGACY_READERS_BUDGET_BYTES = 12 * 1024;

function bounded(entry: InboxEntry): InboxEntry {
  if (!entry.readers || Buffer.byteLength(JSON.stringify(entry)) <= LEGACY_READERS_BUDGET_BYTES) return entry;
  const { readers: _legacy, ...rest } = entry;
  return rest;
}

interface ActivityBase {
  conversationId: string;
  ourNumber: string;
  theirNumber: string;
  sid: string;
  at: string;
  /** Inbound STOP/START keywords change this; undefined leaves it. */
  optedOut?: boolean;
}

/** An inbound message is counted after its append, at the list index it got. */
export type InboundActivity = ActivityBase & { direction: 'inbound'; index: number };
/**
 * An outbound message may be counted beside its append (recordOutbound), before it has an index:
 * null then, and recentSids alone keeps it counted once (a recount puts the sids it counted there).
 */
export type OutboundActivity = ActivityBase & { direction: 'outbound'; index: number | null };
export type Activity = InboundActivity | OutboundActivity;

/**
 * An entry as a named reader sees it (reader-cursors.ts): its own cursor under `readers`, and the
 * revision of its cursor item (null: it has none yet), which its handover writes against.
 */
export type ReaderSnapshot = { entry: InboxEntry; revision: string; cursorRevision: string | null };

/**
 * An entry as last read, with the revision to write against; null when it did not exist. With
 * `cursorRevision`, a reader's view: not the stored entry, so never a base for a write here.
 */
export type InboxSnapshot = { entry: InboxEntry; revision: string; cursorRevision?: string | null } | null;

// Loose: fields this schema does not name (the handover tokens below) survive every
// read-modify-write, whichever side (Functions or bridge) writes next.
const LooseInboxEntrySchema = InboxEntrySchema.loose();

export function parseInboxEntry(data: unknown): InboxEntry | null {
  const parsed = LooseInboxEntrySchema.safeParse(data);
  return parsed.success ? parsed.data : null;
}

/** An entry for a conversation with no messages counted yet. */
export function newInboxEntry(conversation: Pick<Activity, 'conversationId' | 'ourNumber' | 'theirNumber' | 'at' | 'direction'>): InboxEntry {
  return {
    conversationId: conversation.conversationId,
    ourNumber: conversation.ourNumber,
    theirNumber: conversation.theirNumber,
    createdAt: conversation.at,
    lastActivityAt: conversation.at,
    lastDirection: conversation.direction,
    messageCount: 0,
    inboundCount: 0,
    lastInboundIndex: -1,
    cursorIndex: -1,
    handedOver: 0,
    recentSids: [],
    optedOut: false,
  };
}

function applyActivity(entry: InboxEntry | null, activity: Activity): InboxEntry {
  const base = entry ?? newInboxEntry(activity);
  if (base.recentSids.includes(activity.sid) || (activity.index !== null && activity.index <= (base.countedThrough ?? -1))) return base;
  const inbound = activity.direction === 'inbound';
  const latest = activity.at >= base.lastActivityAt;
  return {
    ...base,
    lastActivityAt: latest ? activity.at : base.lastActivityAt,
    lastDirection: latest ? activity.direction : base.lastDirection,
    messageCount: base.messageCount + 1,
    inboundCount: base.inboundCount + (inbound ? 1 : 0),
    ...(inbound && activity.at > (base.lastInboundAt ?? '') ? { lastInboundAt: activity.at } : {}),
    lastInboundIndex: activity.direction === 'inbound' ? Math.max(base.lastInboundIndex, activity.index) : base.lastInboundIndex,
    recentSids: [...base.recentSids, activity.sid].slice(-RECENT_SIDS),
    optedOut: activity.optedOut ?? base.optedOut,
  };
}

/** A thread item as a recount sees it. */
export interface CountedItem {
  sid: string;
  index: number;
  direction: 'inbound' | 'outbound';
  createdAt: string;
}

/** The latest inbound time of the entry and the items, when there is one. */
function lastInbound(base: InboxEntry, inbound: readonly CountedItem[]): Pick<InboxEntry, 'lastInboundAt'> {
  const latest = inbound.reduce((last, item) => (item.createdAt > last ? item.createdAt : last), base.lastInboundAt ?? '');
  return latest ? { lastInboundAt: latest } : {};
}

/** The entry with its counters taken from the whole thread, which holds `activity`'s message. */
function recounted(entry: InboxEntry | null, items: readonly CountedItem[], activity: InboundActivity): InboxEntry {
  const base = entry ?? newInboxEntry(activity);
  const inbound = items.filter((item) => item.direction === 'inbound');
  const latest = items.reduce<CountedItem | null>((last, item) => (!last || item.createdAt >= last.createdAt ? item : last), null);
  return {
    ...base,
    lastActivityAt: latest && latest.createdAt > base.lastActivityAt ? latest.createdAt : base.lastActivityAt,
    lastDirection: latest && latest.createdAt > base.lastActivityAt ? latest.direction : base.lastDirection,
    messageCount: items.length,
    inboundCount: inbound.length,
    ...lastInbound(base, inbound),
    lastInboundIndex: Math.max(base.lastInboundIndex, ...inbound.map((item) => item.index)),
    countedThrough: Math.max(base.countedThrough ?? -1, ...items.map((item) => item.index)),
    // The sids of the items counted here, not only the activity's: an outbound count carries no
    // index for countedThrough to stop (recordOutbound counts beside the append), so one of an
    // item this thread read included, landing after this write, must find its sid here. Sids the
    // entry had but the thread lacks are dropped: this write's counters do not include them either.
    recentSids: [...items.map((item) => item.sid).filter((sid) => sid !== activity.sid), activity.sid].slice(-RECENT_SIDS),
    optedOut: activity.optedOut ?? base.optedOut,
  };
}

export class Inbox {
  constructor(private readonly sync: SyncGateway) {}

  shardOf(conversationId: string): string {
    return inboxShardFor(conversationId);
  }

  async get(conversationId: string): Promise<InboxSnapshot> {
    const item = await this.sync.mapGet(inboxShardFor(conversationId), conversationId);
    if (!item) return null;
    const entry = parseInboxEntry(item.data);
    return entry ? { entry, revision: item.revision } : null;
  }

  /** Counts a stored message once, however often it is retried: true when this call counted it. */
  async record(activity: Activity, known?: InboxSnapshot): Promise<boolean> {
    let counted = false;
    await this.update(activity.conversationId, (current) => {
      const next = applyActivity(current, activity);
      counted = next !== current;
      return next;
    }, known);
    return counted;
  }

  /**
   * Counts a stored message that may have been counted already (its claim cannot tell: recordInbound)
   * and that recentSids no longer shows: the counters are taken from the thread itself, read after
   * the entry, and written against the entry's revision, so a count landing in between makes it
   * read both again. `countedThrough` then keeps the counts of messages the recount included from
   * adding them a second time, and recentSids the null-index counts of outbound ones. (An outbound
   * count landing before its append, read by a recount between the two, is under-counted by one:
   * a rare edge, accepted.)
   */
  async recount(activity: InboundActivity, readThread: () => Promise<CountedItem[]>): Promise<InboxEntry> {
    const shard = inboxShardFor(activity.conversationId);
    for (let conflicts = 0; ; conflicts++) {
      const current = await this.get(activity.conversationId);
      const counted = current && (current.entry.recentSids.includes(activity.sid) || activity.index <= (current.entry.countedThrough ?? -1));
      if (counted) return current.entry;
      const next = bounded(recounted(current?.entry ?? null, await readThread(), activity));
      try {
        if (current) await this.sync.mapUpdate(shard, activity.conversationId, next, current.revision);
        else await this.sync.mapCreate(shard, activity.conversationId, next);
        return next;
      } catch (error) {
        const conflict = current ? isRevisionConflict(error) : isDuplicateKey(error);
        if (!conflict || conflicts >= MAX_CONFLICTS) throw error;
      }
    }
  }

  /**
   * Takes back the count of an outbound message whose append failed after the count landed
   * (recordOutbound): one less in messageCount and its sid out of recentSids, only while recentSids
   * shows it counted (so a repeat, or a recount that did not include it, takes nothing back).
   * The other fields stay as they are.
   */
  async uncount(conversationId: string, sid: string): Promise<InboxEntry | null> {
    return this.update(conversationId, (current) =>
      current && current.recentSids.includes(sid)
        ? { ...current, messageCount: Math.max(0, current.messageCount - 1), recentSids: current.recentSids.filter((counted) => counted !== sid) }
        : current,
    );
  }

  /**
   * Read-modify-write of one entry: `change` gets the current entry (null when new) and returns the
   * next one (the same object to leave it unchanged; null to leave a missing entry missing).
   * Retried on If-Match conflicts. `known` is
   * the entry as the caller last read it (null: it did not exist), which spares the first read;
   * if it is stale, the If-Match conflict leads to a fresh read.
   */
  async update<T extends InboxEntry | null>(conversationId: string, change: (current: InboxEntry | null) => T, known?: InboxSnapshot): Promise<T> {
    const shard = inboxShardFor(conversationId);
    // A reader's view is not the stored entry: writing it back would drop the others' legacy cursors.
    const base = known?.cursorRevision === undefined ? known : undefined;
    for (let conflicts = 0; ; conflicts++) {
      const current = conflicts === 0 && base !== undefined ? base : await this.get(conversationId);
      const next = change(current?.entry ?? null);
      if (next === null || (current && next === current.entry)) return next;
      const written = bounded(next);
      try {
        if (current) await this.sync.mapUpdate(shard, conversationId, written, current.revision);
        else await this.sync.mapCreate(shard, conversationId, written);
        return next;
      } catch (error) {
        const conflict = current ? isRevisionConflict(error) : isDuplicateKey(error);
        if (!conflict || conflicts >= MAX_CONFLICTS) throw error;
      }
    }
  }

  /** Every entry with its revision, from all shards (one call per shard and per 100 entries). */
  async all(): Promise<{ entry: InboxEntry; revision: string }[]> {
    const shards = await Promise.all(allInboxShards().map((shard) => this.sync.mapItems(shard)));
    return shards.flat().flatMap((item) => {
      const entry = parseInboxEntry(item.data);
      return entry ? [{ entry, revision: item.revision }] : [];
    });
  }
}
