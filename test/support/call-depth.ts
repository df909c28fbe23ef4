/**
 * How many Sync calls an operation makes one after another: a call's depth is one more than the
 * deepest call that had answered before it started. With every call a round trip, the deepest
 * depth is the operation's round trips, whatever the latency, so a test can assert it exactly.
 */
import type { SyncGateway } from '../../lib/store/sync-gateway';

export interface TracedGateway {
  gateway: SyncGateway;
  /** The calls made since the last reset, in the order they started, with their depth. */
  calls(): { method: string; depth: number }[];
  /** The deepest call since the last reset (0: none). */
  depth(): number;
  reset(): void;
}

/** `gateway` with its public methods traced; calls a method makes internally are not counted again. */
export function traceDepth(gateway: SyncGateway): TracedGateway {
  let calls: { method: string; depth: number }[] = [];
  // Depths of the calls that have answered so far (an answered call cannot be waited on twice).
  let answered: number[] = [];
  const traced = new Proxy(gateway, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        const depth = 1 + Math.max(0, ...answered);
        calls.push({ method: property, depth });
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
        if (!(result instanceof Promise)) return result;
        return result.finally(() => answered.push(depth));
      };
    },
  });
  return {
    gateway: traced,
    calls: () => [...calls],
    depth: () => Math.max(0, ...calls.map((call) => call.depth)),
    reset: () => {
      calls = [];
      answered = [];
    },
  };
}
