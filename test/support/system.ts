/** The whole product on loopback (scripts/system/bridged-system.ts), and a poll for what arrives asynchronously. */
export { MAGIC_FROM_NUMBER, startSystem, type System } from '../../scripts/system/bridged-system';

/** Polls `check` until it returns a value, for effects that arrive asynchronously (callbacks). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
