/**
 * One deterministic conversation id per (our number, their number).
 *
 * `conv_` + the first 16 hex digits of SHA-256("ours|theirs"): stable across the Functions and the
 * bridge with no lookup, safe in Sync unique names and URLs, and it keeps phone numbers out of
 * log lines and Sync object names (the numbers live only inside the stored records).
 */
import { sha256 } from './crypto';

export const CONVERSATION_ID_PATTERN = /^conv_[0-9a-f]{16}$/;

export function conversationIdFor(ourAddress: string, theirAddress: string): string {
  const digest = sha256(`${ourAddress}|${theirAddress}`).toString('hex');
  return `conv_${digest.slice(0, 16)}`;
}

export function isConversationId(value: string): boolean {
  return CONVERSATION_ID_PATTERN.test(value);
}
