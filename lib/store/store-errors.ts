/** The store's refusals that callers tell apart. */

export class UnknownConversationError extends Error {
  constructor(readonly conversationId: string) {
    super(`No conversation ${conversationId}. Call list_conversations to see the conversation ids that exist.`);
  }
}

/** Another delivery of the same webhook is storing this message right now. */
export class StoreInProgressError extends Error {
  /** `counted`: the holder got as far as counting it, so the message is stored. */
  constructor(readonly sid: string, readonly counted: boolean | null = false) {
    super(`Message ${sid} is being stored by another request; retry later.`);
  }
}
