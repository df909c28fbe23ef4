/**
 * Sync's per-object rate limit: reads and writes are counted separately per object (a whole
 * List, Map or Document with all its items, not per item). Twilio allows 20/s per object with a
 * 10 s burst window, so a request that would make more than perObjectPerSecond × windowSeconds
 * operations of its kind within the trailing window is refused (429 / 54009).
 *
 * One counter per second in a ring of `windowSeconds` buckets: O(window) per check, no timers.
 */
import type { SyncLimits } from './types';

export type OperationKind = 'read' | 'write';

interface Ring {
  seconds: Float64Array;
  counts: Uint32Array;
}

export class SyncRateLimiter {
  private readonly rings = new Map<string, Ring>();

  constructor(
    private readonly limits: SyncLimits | false,
    private readonly now: () => number,
  ) {}

  /** Counts one operation; false (and nothing counted) when it would exceed the limit. */
  tryConsume(objectSid: string, kind: OperationKind): boolean {
    if (!this.limits) return true;
    const window = Math.max(1, Math.floor(this.limits.windowSeconds));
    const capacity = this.limits.perObjectPerSecond * window;
    const key = `${kind}:${objectSid}`;
    let ring = this.rings.get(key);
    if (!ring) {
      ring = { seconds: new Float64Array(window).fill(-1), counts: new Uint32Array(window) };
      this.rings.set(key, ring);
    }
    const second = Math.floor(this.now() / 1000);
    let used = 0;
    for (let i = 0; i < window; i++) {
      const at = ring.seconds[i]!;
      if (at > second - window && at <= second) used += ring.counts[i]!;
    }
    if (used + 1 > capacity) return false;
    const slot = second % window;
    if (ring.seconds[slot] !== second) {
      ring.seconds[slot] = second;
      ring.counts[slot] = 0;
    }
    ring.counts[slot] = ring.counts[slot]! + 1;
    return true;
  }

  /** Drops an object's counters once it is deleted or expired. */
  forget(objectSid: string): void {
    this.rings.delete(`read:${objectSid}`);
    this.rings.delete(`write:${objectSid}`);
  }
}
