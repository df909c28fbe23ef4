/** Injected faults: which request gets one, how many times, with what probability. */
import type { Random } from './random';
import type { FaultSpec, Product } from './types';

export interface FaultTarget {
  method: string;
  product: Product;
  /** Route template (or the raw path when no route matched). */
  route: string;
  /** Path below the product prefix. */
  path: string;
}

interface ActiveFault {
  spec: FaultSpec;
  remaining: number;
}

const KINDS: ReadonlySet<unknown> = new Set([429, 500, 503, 'timeout', 'reset']);

export function validateFault(spec: FaultSpec): void {
  if (!KINDS.has(spec.kind)) throw new Error(`Unknown fault kind ${String(spec.kind)} (429, 500, 503, 'timeout', 'reset')`);
  const { times, probability, delayMs } = spec;
  if (times !== undefined && !(times === Infinity || (Number.isInteger(times) && times >= 1))) {
    throw new Error(`Fault times must be a positive integer or Infinity, got ${times}`);
  }
  if (probability !== undefined && !(probability >= 0 && probability <= 1)) {
    throw new Error(`Fault probability must be within 0..1, got ${probability}`);
  }
  if (delayMs !== undefined && !(delayMs >= 0)) throw new Error(`Fault delayMs must be >= 0, got ${delayMs}`);
}

function routeMatches(pattern: FaultSpec['route'], target: FaultTarget): boolean {
  if (pattern === undefined) return true;
  if (typeof pattern === 'string') return pattern === target.route || pattern === target.path;
  pattern.lastIndex = 0; // a /g or /y RegExp keeps state between test() calls
  if (pattern.test(target.route)) return true;
  pattern.lastIndex = 0;
  return pattern.test(target.path);
}

export class FaultInjector {
  private faults: ActiveFault[] = [];

  constructor(private readonly random: Random) {}

  add(spec: FaultSpec): void {
    validateFault(spec);
    this.faults.push({ spec: { ...spec }, remaining: spec.times ?? Infinity });
  }

  clear(): void {
    this.faults = [];
  }

  /** The first matching fault that fires for this request; consumes one of its `times`. */
  take(target: FaultTarget): FaultSpec | undefined {
    for (const fault of this.faults) {
      const { spec } = fault;
      if (spec.method !== undefined && spec.method.toUpperCase() !== target.method) continue;
      if (spec.product !== undefined && spec.product !== target.product) continue;
      if (!routeMatches(spec.route, target)) continue;
      if (spec.probability !== undefined && this.random() >= spec.probability) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults = this.faults.filter((f) => f !== fault);
      return spec;
    }
    return undefined;
  }
}
