/**
 * Confirmation mode (SEND_CONFIRMATION=true) for clients that cannot ask their user (no MCP
 * elicitation; those that can use approval.ts instead, and no token): send_sms first returns a
 * preview and a one-time token; only a second call carrying that token, for exactly the same
 * message, sends. The token binds the text to the preview the user was meant to see; it cannot
 * prove they saw it: a model that ignores its instructions can redeem its own token.
 *
 * Tokens live where the guard's state does: in Twilio Sync when the bridge has a Sync service
 * (sync-confirmations.ts: any bridge of the same owner redeems a token once, and only once), else
 * in this process (ProcessConfirmations).
 */
import { nodeCrypto } from '../crypto';
import { messageKey } from './send-guard';

const TOKEN_TTL_MS = 10 * 60_000;
export const CONFIRMATION_TTL_MINUTES = TOKEN_TTL_MS / 60_000;
export const CONFIRMATION_TTL_SECONDS = TOKEN_TTL_MS / 1000;

export interface Confirmations {
  /** A fresh token for this exact message. */
  issue(to: string, body: string, media: readonly string[], sendAt?: string): Promise<string> | string;
  /** Uses up the token when it was issued for this exact message and is still valid. */
  redeem(token: string, to: string, body: string, media: readonly string[], sendAt?: string): Promise<boolean> | boolean;
}

export function newConfirmationToken(): string {
  return nodeCrypto().randomBytes(9).toString('base64url');
}

/** What a token is bound to: the recipient, the text (whitespace-insensitive), the media, the time. */
export function confirmationKey(to: string, body: string, media: readonly string[], sendAt?: string): string {
  return `${messageKey(to, body, media)}|${sendAt ?? ''}`;
}

export class ProcessConfirmations implements Confirmations {
  private readonly pending = new Map<string, { key: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  issue(to: string, body: string, media: readonly string[], sendAt?: string): string {
    this.forgetExpired();
    const token = newConfirmationToken();
    this.pending.set(token, { key: confirmationKey(to, body, media, sendAt), expiresAt: this.now() + TOKEN_TTL_MS });
    return token;
  }

  redeem(token: string, to: string, body: string, media: readonly string[], sendAt?: string): boolean {
    this.forgetExpired();
    const entry = this.pending.get(token);
    if (!entry || entry.key !== confirmationKey(to, body, media, sendAt)) return false;
    this.pending.delete(token);
    return true;
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [token, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(token);
  }
}
