/**
 * Twilio message statuses and their order. Status callbacks can arrive out of order (Twilio sends
 * them from different systems), so a stored status only ever moves forward in this ranking.
 */
export const MESSAGE_STATUSES = [
  'scheduled', 'accepted', 'queued', 'sending', 'sent', 'receiving', 'received',
  'partially_delivered', 'delivered', 'undelivered', 'failed', 'read', 'canceled',
] as const;

export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

const RANK: Record<MessageStatus, number> = {
  scheduled: 0, accepted: 1, queued: 2, sending: 3, sent: 4, receiving: 4, received: 5,
  partially_delivered: 5, delivered: 6, undelivered: 6, failed: 6, canceled: 6, read: 7,
};

/** Statuses after which Twilio reports nothing more for an outbound message. */
export const FINAL_STATUSES: ReadonlySet<MessageStatus> = new Set(['delivered', 'undelivered', 'failed', 'canceled', 'read', 'received']);

export function isMessageStatus(value: string): value is MessageStatus {
  return (MESSAGE_STATUSES as readonly string[]).includes(value);
}

/** True when `next` is later in a message's life than `current` (never backwards or sideways). */
export function advancesStatus(current: MessageStatus, next: MessageStatus): boolean {
  return RANK[next] > RANK[current];
}

export function isFailureStatus(status: MessageStatus): boolean {
  return status === 'undelivered' || status === 'failed';
}
