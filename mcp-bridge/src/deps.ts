/**
 * What the tools need, built from the configuration. The Twilio client and the store are created
 * on first use: `initialize` + `tools/list` need none of twilio-node. (A lazy `require`, not
 * `import()`: the bundle and jest are CommonJS.) In the built bridge that `require` is
 * mcp-bridge/dist/twilio-client.js, the client and the parts of twilio-node it uses in one bundle
 * of their own (scripts/build.mjs), compiled from its code cache (launcher.ts).
 *
 * One process may serve several scopes (the HTTP bridge: one per token), so what all of them
 * share (the Twilio client, the Sync gateway, each sender's guard) is built once in SharedDeps,
 * and createDeps adds what is one scope's (its store view, its result delivery).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import type { TwilioClient } from '../../lib/twilio-client';
import { describeFailure } from '../../lib/twilio-errors';
import { ANSWER_MARGIN_MS } from './call-budget';
import type { BridgeConfig } from './config';
import { type Confirmations, MemoryConfirmations } from './confirmations';
import type { Logger } from './logger';
import { Reconciler } from './reconciler';
import { ResultDelivery } from './result-delivery';
import { EMPTY_LEDGER } from './send-caps';
import { type GuardLimits, type LedgerCell, MemoryGuard, type SendGuard } from './send-guard';
import type { SendDeps } from './send-message';
import { SyncConfirmations } from './sync-confirmations';
import { SyncSendGuard } from './sync-send-guard';
import type { UserScope } from './user-scope';

export interface BridgeDeps extends SendDeps {
  /** Undoes a handover whose result did not reach the client (result-delivery.ts). */
  delivery: ResultDelivery;
  /**
   * Before a read: store what Twilio's log has and the store lacks, when this scope's turn is due.
   * True when a turn ran (entries read before it may be stale).
   */
  reconcile: (store: MessageStore) => Promise<boolean>;
}

export interface SharedDeps {
  twilio: () => Promise<TwilioClient>;
  /** null without a Sync service. */
  sync: (() => Promise<SyncGateway>) | null;
  /** The guard and confirmations of one sender: one instance per sender for the whole process. */
  guardOf(sender: string): { guard: SendGuard; confirmations: Confirmations };
  /** null without a Sync service or with RECONCILE_INTERVAL_SECONDS=0. */
  reconciler: Reconciler | null;
}

export function createShared(config: BridgeConfig, log: Logger): SharedDeps {
  let client: Promise<TwilioClient> | undefined;
  let gateway: Promise<SyncGateway> | undefined;
  const twilio = () =>
    (client ??= Promise.resolve().then(() => {
      const { createTwilioClient } = require('../../lib/twilio-client') as typeof import('../../lib/twilio-client');
      log.info(`Twilio client ready${config.apiBaseUrl ? ` (API at ${config.apiBaseUrl})` : ''}`);
      return createTwilioClient(config.credentials, { apiBaseUrl: config.apiBaseUrl, timeoutMs: config.twilioTimeoutMs ?? 15_000 });
    }));
  const { syncServiceSid } = config;
  const sync = syncServiceSid ? () => (gateway ??= twilio().then((twilioClient) => new SyncGateway(twilioClient, syncServiceSid, { ttlSeconds: config.syncTtlSeconds }))) : null;
  const limits: GuardLimits = {
    duplicateWindowMs: config.duplicateWindowSeconds * 1000,
    perMinute: config.sendLimitPerMinute,
    perRecipientPerMinute: config.sendLimitPerRecipientPerMinute,
    perHour: config.sendLimitPerHour,
    perDay: config.sendLimitPerDay,
    accountPerMinute: config.sendLimitAccountPerMinute,
    accountPerDay: config.sendLimitAccountPerDay,
  };
  const guards = new Map<string, { guard: SendGuard; confirmations: Confirmations }>();
  // Without Sync, the account's caps are one ledger for every sender of this process.
  const accountLedger: LedgerCell = { value: EMPTY_LEDGER };
  return {
    twilio,
    sync,
    reconciler: sync && config.reconcileIntervalSeconds > 0 ? new Reconciler({ twilio, sync, intervalMs: config.reconcileIntervalSeconds * 1000, log, now: Date.now }) : null,
    guardOf: (sender) => {
      let found = guards.get(sender);
      if (!found) {
        // Kept in Sync whenever there is a service, so that restarts and other bridges see it.
        found = sync
          ? { guard: new SyncSendGuard({ sync, sender, limits, warn: log.warn }), confirmations: new SyncConfirmations(sync, sender) }
          : { guard: new MemoryGuard(limits, Date.now, accountLedger), confirmations: new MemoryConfirmations() };
        guards.set(sender, found);
      }
      return found;
    },
  };
}

/** The tools' dependencies for one scope (the configured one unless given). */
export function createDeps(config: BridgeConfig, log: Logger, shared: SharedDeps = createShared(config, log), scopeOverride?: UserScope): BridgeDeps {
  const scoped = { ...config, scope: scopeOverride ?? config.scope };
  let store: Promise<MessageStore | null> | undefined;
  // A user the administrator assigned no number sees nothing, whatever path reads the store.
  const scope = scoped.scope.ok ? { reader: scoped.scope.reader, numbers: scoped.scope.numbers } : { reader: null, numbers: [] };
  // The guard's sender: one SMS_USER's bridges share their duplicates and caps; without one, all do.
  const { guard, confirmations } = shared.guardOf(scope.reader ?? 'shared');
  const { sync, reconciler } = shared;
  // Whose messages this scope reconciles: its numbers, else the bridge's Messaging Service.
  const sources = !scoped.scope.ok ? [] : (scoped.scope.numbers ?? (config.sender.messagingServiceSid ? [config.sender.messagingServiceSid] : []));
  return {
    config: scoped,
    log,
    delivery: new ResultDelivery({
      keepMs: config.clientTimeoutSeconds * 1000 + ANSWER_MARGIN_MS,
      onUndo: (why, undo) => {
        log.warn(`a result did not reach the client (${why}): its messages stay new for the next receive`);
        return undo().catch((error: unknown) => log.error(`giving messages back after an undelivered result failed: ${describeFailure(error)}`));
      },
    }),
    guard,
    confirmations,
    twilio: shared.twilio,
    reconcile: async (activeStore) => (reconciler && sources.length > 0 ? reconciler.catchUp(activeStore, sources) : false),
    store: () => (store ??= sync ? sync().then((gateway) => new MessageStore(gateway, { scope, handoverSettleMs: config.clientTimeoutSeconds * 1000 + ANSWER_MARGIN_MS })) : Promise.resolve(null)),
    sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
    now: () => new Date(),
  };
}
