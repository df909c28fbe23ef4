/** Every API request the emulator answered (faulted ones included), for counting in tests. */
import type { CountFilter, RecordedRequest } from './types';

export function matchesFilter(entry: RecordedRequest, filter: CountFilter = {}): boolean {
  if (filter.method !== undefined && filter.method.toUpperCase() !== entry.method) return false;
  if (filter.product !== undefined && filter.product !== entry.product) return false;
  const { route } = filter;
  if (route === undefined) return true;
  if (typeof route === 'string') return route === entry.route;
  route.lastIndex = 0;
  return route.test(entry.route);
}

export interface RouteSummary {
  method: string;
  product: string;
  route: string;
  count: number;
  statuses: Record<string, number>;
}

/**
 * Requests grouped into the round trips a client waited one after another: a request is one round
 * trip later than the latest of those answered before it arrived (it may have waited for any of
 * them; for calls made in waves, it did). Counted from the log, not timed, so a slow machine does
 * not blur it; with latency on (Emulator.setLatency) the groups are a whole RTT apart.
 */
export function roundTripsOf(requests: readonly RecordedRequest[]): RecordedRequest[][] {
  const byArrival = [...requests].sort((a, b) => a.arrivedAt - b.arrivedAt);
  const depth = new Map<RecordedRequest, number>();
  const trips: RecordedRequest[][] = [];
  for (const request of byArrival) {
    let waitedFor = 0;
    for (const [earlier, d] of depth) if (earlier.at <= request.arrivedAt && d > waitedFor) waitedFor = d;
    depth.set(request, waitedFor + 1);
    (trips[waitedFor] ??= []).push(request);
  }
  return trips;
}

export class RequestRecorder {
  private entries: RecordedRequest[] = [];

  add(entry: RecordedRequest): void {
    this.entries.push(entry);
  }

  all(): RecordedRequest[] {
    return this.entries.map((e) => ({ ...e }));
  }

  count(filter?: CountFilter): number {
    return this.entries.filter((e) => matchesFilter(e, filter)).length;
  }

  reset(): void {
    this.entries = [];
  }

  /** Counts per method and route, with the statuses answered. */
  summary(): { total: number; routes: RouteSummary[] } {
    const byKey = new Map<string, RouteSummary>();
    for (const e of this.entries) {
      const key = `${e.method} ${e.product} ${e.route}`;
      let row = byKey.get(key);
      if (!row) {
        row = { method: e.method, product: e.product, route: e.route, count: 0, statuses: {} };
        byKey.set(key, row);
      }
      row.count += 1;
      row.statuses[String(e.status)] = (row.statuses[String(e.status)] ?? 0) + 1;
    }
    return { total: this.entries.length, routes: [...byKey.values()] };
  }
}
