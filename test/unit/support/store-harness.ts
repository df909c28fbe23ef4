/**
 * The message store against the in-process emulator, with the real twilio client (lib/twilio-client.ts)
 * and SyncGateway, as bench/real-latency.ts builds it, but with no process started. Each test takes
 * a fresh Sync service (`fresh()`), so no state leaks between tests, and a clock it moves itself
 * (MessageStoreOptions.now): stale claims need no real waiting.
 */
import { conversationIdFor } from '../../../lib/conversation-id';
import type { InboxEntry, MessageRecord, SidEntry } from '../../../lib/message-record';
import { SidEntrySchema } from '../../../lib/message-record';
import type { MessageStatus } from '../../../lib/message-status';
import { MessageStore, type MessageStoreOptions } from '../../../lib/store/message-store';
import type { RetryPolicy } from '../../../lib/retry';
import { SyncGateway } from '../../../lib/store/sync-gateway';
import { sidMapName, threadListName } from '../../../lib/sync-names';
import { createTwilioClient, type TwilioClient } from '../../../lib/twilio-client';
import { type Emulator, type FaultSpec, startEmulator } from '../../../emulator';

export const OURS = '+15005550006';
export const OURS_2 = '+15005550007';
export const THEM = '+14155550100';

/** Retries without real backoff: 1–2 ms between tries. */
export const QUICK_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, budgetMs: 2000 };
/** One try per call: each injected fault fails a store step outright. */
export const NO_RETRY: RetryPolicy = { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 2000 };

/** Raw-path patterns of the Sync calls the store makes (the route filter of a FaultSpec). */
export const ROUTES = {
  /** The claim create: POST sids_<conv>/Items. */
  claimCreate: /\/Maps\/sids_[^/]+\/Items$/,
  /** Takeover, done mark, release (and status parking): POST sids_<conv>/Items/<sid>. */
  claimUpdate: (sid: string) => new RegExp(`/Maps/sids_[^/]+/Items/${sid}$`),
  /** An append to a thread. */
  append: /\/Lists\/thread_[^/]+\/Items$/,
  /** A thread item update (status). */
  listItemUpdate: /\/Lists\/thread_[^/]+\/Items\/\d+$/,
  /** The inbox entry of one conversation: read (GET), count or cursor write (POST). */
  inboxItem: /\/Maps\/inbox_\d\/Items\/conv_[0-9a-f]+$/,
  /** A new inbox entry (POST inbox_N/Items). */
  inboxCreate: /\/Maps\/inbox_\d\/Items$/,
} as const;

let sidSeq = 0;
/** A fresh MessageSid ('SM' + 32 hex), unique within the test run. */
export function nextSid(): string {
  sidSeq += 1;
  return `SM${sidSeq.toString(16).padStart(32, '0')}`;
}

export function inboundRecord(from: string, body: string, options: { to?: string; sid?: string; at?: Date } = {}): MessageRecord {
  const at = (options.at ?? new Date(Date.UTC(2030, 0, 1, 12, 0, 0) + sidSeq * 1000)).toISOString();
  return { sid: options.sid ?? nextSid(), direction: 'inbound', from, to: options.to ?? OURS, body, media: [], numSegments: 1, status: 'received', errorCode: null, createdAt: at, statusAt: at, processed: false };
}

export function outboundRecord(to: string, body: string, options: { from?: string; sid?: string; status?: MessageStatus; at?: Date } = {}): MessageRecord {
  const at = (options.at ?? new Date(Date.UTC(2030, 0, 1, 12, 0, 0) + sidSeq * 1000)).toISOString();
  return { sid: options.sid ?? nextSid(), direction: 'outbound', from: options.from ?? OURS, to, body, media: [], numSegments: 1, status: options.status ?? 'queued', errorCode: null, createdAt: at, statusAt: at, processed: true };
}

/** One Sync service: its gateway, stores over it (with the shared test clock), and what it holds. */
export interface Service {
  gateway: SyncGateway;
  store(options?: MessageStoreOptions): MessageStore;
  /** The thread's items, oldest first, as stored. */
  thread(ourNumber: string, theirNumber: string): Promise<MessageRecord[]>;
  /** The conversation's sid map item for `sid` (the claim), parsed; null when absent. */
  sidEntry(ourNumber: string, theirNumber: string, sid: string): Promise<SidEntry | null>;
  /** Writes a claim as another request would have left it (the sid map's documented shape). */
  putClaim(ourNumber: string, theirNumber: string, sid: string, claim: Partial<SidEntry>): Promise<void>;
  entry(ourNumber: string, theirNumber: string): Promise<InboxEntry | null>;
}

export interface StoreHarness {
  readonly emulator: Emulator;
  readonly client: TwilioClient;
  /** The clock every store of `fresh()` reads (ms since the epoch); tests move it. */
  clock: number;
  fresh(retry?: RetryPolicy): Service;
  fault(spec: Omit<FaultSpec, 'product'>): void;
  /** Sync requests the emulator received since its last resetCounts, by method and raw path. */
  calls(method: string, path: RegExp): number;
}

/** Starts one seeded emulator for the file (beforeAll), clears faults after each test, closes it after all. */
export function useStoreHarness(): StoreHarness {
  let emulator: Emulator | undefined;
  let client: TwilioClient | undefined;
  const harness: StoreHarness = {
    get emulator() {
      if (!emulator) throw new Error('emulator not started');
      return emulator;
    },
    get client() {
      if (!client) throw new Error('emulator not started');
      return client;
    },
    clock: Date.UTC(2030, 0, 1, 12, 0, 0),
    fresh(retry = QUICK_RETRY) {
      const gateway = new SyncGateway(harness.client, harness.emulator.createSyncService(), { retry });
      const conv = (ourNumber: string, theirNumber: string) => conversationIdFor(ourNumber, theirNumber);
      return {
        gateway,
        store: (options = {}) => new MessageStore(gateway, { now: () => new Date(harness.clock), ...options }),
        thread: async (ourNumber, theirNumber) => (await gateway.listPage<MessageRecord>(threadListName(conv(ourNumber, theirNumber)), { order: 'asc', pageSize: 100 })).items.map((item) => item.data),
        sidEntry: async (ourNumber, theirNumber, sid) => {
          const item = await gateway.mapGet(sidMapName(conv(ourNumber, theirNumber)), sid);
          return item ? SidEntrySchema.parse(item.data) : null;
        },
        putClaim: async (ourNumber, theirNumber, sid, claim) => {
          await gateway.mapCreate(sidMapName(conv(ourNumber, theirNumber)), sid, SidEntrySchema.parse(claim));
        },
        entry: async (ourNumber, theirNumber) => (await new MessageStore(gateway).conversationEntry(ourNumber, theirNumber))?.entry ?? null,
      };
    },
    fault: (spec) => harness.emulator.injectFault({ product: 'sync', ...spec }),
    calls: (method, path) => harness.emulator.requests().filter((request) => request.product === 'sync' && request.method === method && path.test(request.path)).length,
  };
  beforeAll(async () => {
    emulator = await startEmulator({ phoneNumbers: [OURS, OURS_2], syncLimits: false, seed: 14 });
    client = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  });
  afterEach(() => emulator?.clearFaults());
  afterAll(async () => {
    await emulator?.close();
  });
  return harness;
}
