/**
 * The product's hashing and random tokens, without node:crypto at start. Loading node:crypto (its
 * OpenSSL start and some twenty internal modules) adds ≈0.9 MB to the resident memory of a bridge
 * that only idles, and LibreChat keeps one bridge per signed-in user (issue 27, bench section 1);
 * yet every bridge hashes at start (its reader key, lib/scope/user-scope.ts). So:
 * - SHA-256 is @noble/hashes' (audited, pure JS, a few KB): the same digests as Node's, so every
 *   Sync name stays what it was;
 * - randomness and constant-time comparison are Node's, loaded on first use.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2';
import type * as NodeCrypto from 'node:crypto';

let loaded: typeof NodeCrypto | undefined;

/** node:crypto itself, loaded on the first call. */
export function nodeCrypto(): typeof NodeCrypto {
  return (loaded ??= require('node:crypto') as typeof NodeCrypto);
}

/** SHA-256 of a string's UTF-8 bytes. */
export function sha256(value: string): Buffer {
  const digest = nobleSha256(new TextEncoder().encode(value));
  return Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
}
