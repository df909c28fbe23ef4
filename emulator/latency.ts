/**
 * Simulated round-trip time: every API answer (Messages, Sync, Serverless; not the /_emulator
 * control routes, not the webhooks the emulator sends) is held for a product's delay, plus a
 * jitter drawn from [0, jitterMs). Half of it is spent before the request takes effect and the
 * rest before the answer leaves, as on a real link where the request and the answer each cross
 * half the round trip. Changeable at run time (Emulator.setLatency), so a test or benchmark can
 * seed state at full speed and then measure at a real round-trip time.
 */
import { createRandom, type Random } from './random';
import type { LatencySpec, Product } from './types';

const PRODUCTS: readonly Product[] = ['api', 'messaging', 'content', 'sync', 'serverless', 'serverless-upload'];

export interface ResolvedLatency {
  perProduct: Readonly<Record<Product, number>>;
  jitterMs: number;
}

const NONE: ResolvedLatency = { perProduct: { api: 0, messaging: 0, content: 0, sync: 0, serverless: 0, 'serverless-upload': 0 }, jitterMs: 0 };

function checkMs(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`Twilio emulator: latency ${name} must be a number of ms >= 0, got ${String(value)}`);
  return value;
}

/** A number is the delay of every product; in an object, products left out have none. */
export function resolveLatency(spec: LatencySpec | undefined): ResolvedLatency {
  if (spec === undefined) return NONE;
  if (typeof spec === 'number') {
    const ms = checkMs(spec, 'ms');
    return { perProduct: { api: ms, messaging: ms, content: ms, sync: ms, serverless: ms, 'serverless-upload': ms }, jitterMs: 0 };
  }
  const perProduct = { ...NONE.perProduct };
  for (const product of PRODUCTS) if (spec[product] !== undefined) perProduct[product] = checkMs(spec[product], product);
  return { perProduct, jitterMs: spec.jitterMs === undefined ? 0 : checkMs(spec.jitterMs, 'jitterMs') };
}

export class Latency {
  private current: ResolvedLatency;

  /** `random` draws the jitter; its own stream, so jitter never shifts the SIDs a seed yields. */
  constructor(spec: LatencySpec | undefined, private readonly random: Random) {
    this.current = resolveLatency(spec);
  }

  /** The PRNG for jitter from the emulator's seed (Math.random without one). */
  static randomFor(seed: number | undefined): Random {
    return createRandom(seed === undefined ? undefined : (seed ^ 0x5eed1a7e) >>> 0);
  }

  set(spec: LatencySpec | undefined): void {
    this.current = resolveLatency(spec);
  }

  get(): ResolvedLatency {
    return this.current;
  }

  /** This answer's whole delay in ms: the product's delay plus jitter in [0, jitterMs). */
  draw(product: Product): number {
    const base = this.current.perProduct[product];
    const jitter = this.current.jitterMs;
    return jitter > 0 ? base + this.random() * jitter : base;
  }
}

/** Splits a delay into the part before the request takes effect and the part before the answer. */
export function split(ms: number): [before: number, after: number] {
  const before = ms / 2;
  return [before, ms - before];
}

/**
 * Parses the CLI's `--latency-ms` value: `<n>` for every product, or `api=50,sync=80`
 * (products left out: none). Returns an error message for a bad value.
 */
export function parseLatencyFlag(raw: string, jitterMs: number | undefined): LatencySpec | string {
  const bad = `--latency-ms must be <n> or <product>=<n>[,…] with products ${PRODUCTS.join(', ')} and n an integer 0-60000, got '${raw}'`;
  const ms = (text: string) => (/^\d+$/.test(text.trim()) && Number(text) <= 60_000 ? Number(text) : undefined);
  const whole = ms(raw);
  if (whole !== undefined) return jitterMs === undefined ? whole : { api: whole, messaging: whole, content: whole, sync: whole, serverless: whole, 'serverless-upload': whole, jitterMs };
  const spec: Exclude<LatencySpec, number> = {};
  for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, value, extra] = part.split('=');
    const product = PRODUCTS.find((p) => p === name?.trim());
    const n = value === undefined ? undefined : ms(value);
    if (product === undefined || n === undefined || extra !== undefined) return bad;
    spec[product] = n;
  }
  if (Object.keys(spec).length === 0) return bad;
  if (jitterMs !== undefined) spec.jitterMs = jitterMs;
  return spec;
}
