/**
 * lib/crypto.ts: @noble/hashes' SHA-256 gives Node's digests, so every Sync name and key derived
 * from a hash stays what it was. (That an idle bridge never loads node:crypto is checked on the
 * built bridge: test/e2e/idle-footprint.test.ts.)
 */
import { createHash } from 'node:crypto';
import { nodeCrypto, sha256 } from '../../lib/crypto';

test.each(['', 'conv|+14155550100', 'whatsapp:+447700900123', 'u_alice@example.com', 'émoji 🙂 and 中文', 'x'.repeat(10_000)])('sha256 #%#: the bytes of node:crypto', (value) => {
  expect(sha256(value).equals(createHash('sha256').update(value).digest())).toBe(true);
});

test('nodeCrypto() is node:crypto', () => {
  expect(nodeCrypto()).toBe(require('node:crypto'));
});
