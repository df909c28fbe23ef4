/**
 * What every part of the emulator shares: resolved options, the clock, SID generation, tracked
 * timers (so close() leaves no handle behind and jest exits), the webhook client and the account's
 * opt-outs.
 */
import { DEFAULT_TEMPLATES, type TemplateSpec, WhatsAppState } from './whatsapp';
import { createRandom, createSidFactory, type Random, type SidFactory } from './random';
import type { EmulatorOptions, MessagingServiceSpec, SyncLimits } from './types';
import { WebhookClient } from './webhooks';
import { MAGIC_FROM_NUMBER } from './magic-numbers';
import { OptOutList } from './opt-outs';

/** Fixed defaults so a sandbox's .env keeps working across emulator restarts. */
export const DEFAULT_ACCOUNT_SID = 'ACa1b2c3d4e5f60718293a4b5c6d7e8f90';
export const DEFAULT_AUTH_TOKEN = 'd8e8fca2dc0f896fd7cb4cb0031ba249';
export const DEFAULT_API_KEY = 'SK4f6a0b1c2d3e4f5a6b7c8d9e0f1a2b3c';
export const DEFAULT_API_SECRET = 'emulatorApiSecret0123456789abcde';
export { MAGIC_FROM_NUMBER };
export const DEFAULT_SYNC_LIMITS: SyncLimits = { perObjectPerSecond: 20, windowSeconds: 10 };

export interface ResolvedOptions {
  port: number;
  host: string;
  accountSid: string;
  authToken: string;
  apiKey: string;
  apiSecret: string;
  phoneNumbers: string[];
  messagingServices: MessagingServiceSpec[];
  syncServices: string[];
  deliveryStepMs: number;
  syncLimits: SyncLimits | false;
  webhookTimeoutMs: number;
  seed: number | undefined;
  /** The account's Content resources (whatsapp.ts); default DEFAULT_TEMPLATES. */
  templates: TemplateSpec[];
}

export function resolveOptions(options: EmulatorOptions = {}): ResolvedOptions {
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    accountSid: options.accountSid ?? DEFAULT_ACCOUNT_SID,
    authToken: options.authToken ?? DEFAULT_AUTH_TOKEN,
    apiKey: options.apiKey ?? DEFAULT_API_KEY,
    apiSecret: options.apiSecret ?? DEFAULT_API_SECRET,
    phoneNumbers: options.phoneNumbers ?? [MAGIC_FROM_NUMBER],
    messagingServices: options.messagingServices ?? [],
    syncServices: options.syncServices ?? [],
    deliveryStepMs: options.deliveryStepMs ?? 100,
    syncLimits: options.syncLimits === undefined ? DEFAULT_SYNC_LIMITS : options.syncLimits,
    webhookTimeoutMs: options.webhookTimeoutMs ?? 15_000,
    seed: options.seed,
    templates: options.templates ?? [...DEFAULT_TEMPLATES],
  };
}

/** Wall clock plus an offset that tests can advance (TTL expiry without sleeping). */
export class Clock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`advanceTime needs a non-negative number of ms, got ${ms}`);
    this.offsetMs += ms;
  }
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** setTimeout with bookkeeping: clearAll() cancels everything and releases pending delays. */
export class TimerSet {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly waiting = new Set<() => void>();

  set(fn: () => void, ms: number): NodeJS.Timeout {
    // Node fires longer delays at once; clamping (~24.8 days) is harmless for an emulator.
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    this.timers.add(handle);
    return handle;
  }

  clear(handle: NodeJS.Timeout | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.timers.delete(handle);
  }

  /** Resolves after `ms`, or at once when the emulator closes. */
  delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.waiting.delete(done);
        this.clear(handle);
        resolve();
      };
      this.waiting.add(done);
      const handle = this.set(done, ms);
    });
  }

  clearAll(): void {
    for (const handle of this.timers) clearTimeout(handle);
    this.timers.clear();
    for (const done of [...this.waiting]) done();
  }
}

export interface EmulatorContext {
  readonly options: ResolvedOptions;
  readonly clock: Clock;
  readonly random: Random;
  readonly newSid: SidFactory;
  readonly timers: TimerSet;
  readonly webhooks: WebhookClient;
  /** Twilio's STOP filtering: written by inbound messages, read by creates (opt-outs.ts). */
  readonly optOuts: OptOutList;
  /** WhatsApp windows, Sandbox joins and pace, Content templates (whatsapp.ts). */
  readonly whatsapp: WhatsAppState;
  log(line: string): void;
}

export function createContext(options: ResolvedOptions, log: ((line: string) => void) | undefined): EmulatorContext {
  const random = createRandom(options.seed);
  const clock = new Clock();
  return {
    options,
    clock,
    random,
    newSid: createSidFactory(random),
    timers: new TimerSet(),
    webhooks: new WebhookClient(options.authToken, options.webhookTimeoutMs),
    optOuts: new OptOutList(),
    whatsapp: new WhatsAppState(options.templates, clock.now()),
    log: (line) => log?.(`[twilio-emulator] ${line}`),
  };
}
