/**
 * Reconciliation: Twilio's message log is the ground truth. What our store lacks (the webhook was
 * not configured yet, the Functions were down or mid-deploy, Sync refused beyond the retry budget
 * and Twilio's one fallback failed too) is stored from the log through the same exactly-once claim
 * the incoming webhook uses, so a recovered message is stored once and handed over once, like any
 * other; statuses whose callback never came are brought up to date the same way callbacks are.
 */
import { conversationIdFor } from '../conversation-id';
import type { MediaRecord, MessageRecord } from '../message-record';
import { FINAL_STATUSES, isMessageStatus } from '../message-status';
import type { MessageStore } from '../store/message-store';
import type { LoggedMessage } from './message-log';

export interface ReconcileResult {
  /** Inbound messages the store lacked, now stored. */
  stored: number;
  /** Inbound messages of ours the log listed that the store already had. */
  present: number;
  /** Outbound messages whose stored status moved forward. */
  statusesUpdated: number;
  /** The oldest of our messages still changing (not in a final status): the next run starts there. */
  openSince: Date | null;
  /** The first failure, if any; the conversations it hit stop there, to keep their order. */
  failure?: unknown;
}

/** Which logged messages are this run's: to or from one of the reconciled numbers. */
export type IsOurs = (ourNumber: string, messagingServiceSid: string | null) => boolean;

/** The record the incoming webhook would have stored for this message. */
export function inboundRecordOf(message: LoggedMessage, media: MediaRecord[]): MessageRecord {
  const at = (message.dateSent ?? message.dateCreated).toISOString();
  return {
    sid: message.sid,
    direction: 'inbound',
    from: message.from,
    to: message.to,
    body: message.body,
    media,
    numSegments: message.numSegments,
    status: 'received',
    errorCode: null,
    createdAt: at,
    statusAt: at,
    processed: false,
  };
}

/** Conversations reconciled at the same time; each one's messages go in order. */
const CONCURRENCY = 4;

/** What reconciliation needs of the store: the webhook's and the callback's own entry points. */
export type ReconcileStore = Pick<MessageStore, 'recentlyCounted' | 'recordInbound' | 'applyStatus'>;

interface ReconcileDeps {
  store: ReconcileStore;
  media: (messageSid: string) => Promise<MediaRecord[]>;
  now: () => Date;
}

export async function reconcileMessages(deps: ReconcileDeps, log: readonly LoggedMessage[], isOurs: IsOurs): Promise<ReconcileResult> {
  const result: ReconcileResult = { stored: 0, present: 0, statusesUpdated: 0, openSince: null };
  const byConversation = new Map<string, LoggedMessage[]>();
  for (const message of log) {
    const inbound = message.direction === 'inbound';
    // Outbound: only what the bridge sends (outbound-api); TwiML replies were never recorded.
    if (!inbound && message.direction !== 'outbound-api') continue;
    const ourNumber = inbound ? message.to : message.from;
    if (!isOurs(ourNumber, message.messagingServiceSid)) continue;
    if (!isMessageStatus(message.status) || !FINAL_STATUSES.has(message.status)) {
      const at = message.dateSent ?? message.dateCreated;
      if (!result.openSince || at < result.openSince) result.openSince = at;
    }
    const id = conversationIdFor(ourNumber, inbound ? message.from : message.to);
    const messages = byConversation.get(id);
    if (messages) messages.push(message);
    else byConversation.set(id, [message]);
  }
  const queue = [...byConversation.entries()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [conversationId, messages] = next;
      try {
        await reconcileConversation(deps, result, conversationId, messages);
      } catch (error) {
        result.failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  return result;
}

async function reconcileConversation(
  deps: ReconcileDeps,
  result: ReconcileResult,
  conversationId: string,
  messages: LoggedMessage[],
): Promise<void> {
  // The newest sids the inbox counted: most of a run's messages are found there, one read for all.
  const counted = await deps.store.recentlyCounted(conversationId);
  for (const message of messages) {
    if (message.direction === 'inbound') {
      if (message.status !== 'received') continue; // still arriving: a later run takes it
      if (counted.has(message.sid)) {
        result.present += 1;
        continue;
      }
      const media = message.numMedia > 0 ? await deps.media(message.sid) : [];
      const outcome = await deps.store.recordInbound(inboundRecordOf(message, media));
      if (outcome === 'stored') result.stored += 1;
      else result.present += 1;
    } else if (isMessageStatus(message.status)) {
      const outcome = await deps.store.applyStatus(
        // The service lets the status path find a message filed under it (a scheduled send through a pool of several numbers).
        { sid: message.sid, from: message.from, to: message.to, status: message.status, errorCode: message.errorCode, at: deps.now().toISOString(), ...(message.messagingServiceSid ? { messagingServiceSid: message.messagingServiceSid } : {}) },
        { park: false },
      );
      if (outcome === 'updated') result.statusesUpdated += 1;
    }
  }
}
