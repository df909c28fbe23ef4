/**
 * The bearer tokens of the HTTP bridge (MCP_HTTP_TOKENS): `token` has the whole account's scope,
 * `token=identity` one SMS_USER identity's (user-scope.ts). A presented token is compared with
 * every configured one in constant time (over SHA-256 digests, so lengths do not show), and only a
 * token's position, never the token, is used to tell requests apart or to log.
 */
import { nodeCrypto, sha256 } from '../../../../lib/crypto';
import { resolveScope, type UserScope } from '../../../../lib/scope/user-scope';
import type { BridgeConfig } from '../../server/bridge-config';
import { ownNumbers } from '../env-config';

export interface BearerToken {
  /** Position in MCP_HTTP_TOKENS, 1-based: what a log may name. */
  id: number;
  digest: Buffer;
  /** The SMS_USER identity the token stands for; null: the whole account. */
  identity: string | null;
}

/** Tokens shorter than this are guessable; refuse them at start. */
const MIN_TOKEN_LENGTH = 16;

export function parseTokens(raw: string, setting = 'MCP_HTTP_TOKENS'): { ok: true; tokens: BearerToken[] } | { ok: false; error: string } {
  const tokens: BearerToken[] = [];
  for (const [position, entry] of raw.split(',').map((part) => part.trim()).filter(Boolean).entries()) {
    const at = entry.indexOf('=');
    const token = at < 0 ? entry : entry.slice(0, at).trim();
    const identity = at < 0 ? null : entry.slice(at + 1).trim();
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token)) {
      return { ok: false, error: `${setting} entry ${position + 1}: a token must be at least ${MIN_TOKEN_LENGTH} characters without spaces (e.g. from \`openssl rand -hex 32\`).` };
    }
    if (identity === '') return { ok: false, error: `${setting} entry ${position + 1}: nothing after "=". Use token=identity (an SMS_USER_NUMBERS identity), or the token alone for the whole account.` };
    tokens.push({ id: position + 1, digest: sha256(token), identity });
  }
  return { ok: true, tokens };
}

/** The configured token the Authorization header carries, or null. Every token is compared. */
export function matchToken(authorization: string | undefined, tokens: readonly BearerToken[]): BearerToken | null {
  const presented = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  const candidate = sha256(presented ?? '');
  let found: BearerToken | null = null;
  for (const token of tokens) if (nodeCrypto().timingSafeEqual(candidate, token.digest) && presented !== undefined) found ??= token;
  return found;
}

/** What a token may see and send: its identity's numbers, or (bare) the whole account. */
export function scopeOfToken(config: BridgeConfig, token: BearerToken | null): UserScope {
  if (token === null) return config.scope;
  if (token.identity === null) return { ok: true, identity: null, reader: null, numbers: null };
  return resolveScope(token.identity, config.userNumbers ?? undefined, ownNumbers(config.sender));
}
