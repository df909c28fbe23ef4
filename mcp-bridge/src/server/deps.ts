/**
 * What the tools need, built from the configuration and what the host decides (host.ts: the
 * Twilio client, which it makes on first use, whether a guard in memory will do, subscriptions,
 * result tracking). The store is created on first use: `initialize` + `tools/list` need none of
 * twilio-node.
 *
 * One process may serve several scopes (the HTTP bridge: one per token), so what all of them
 * share (the Twilio client, the Sync gateway, each owner's guard) is built once in SharedDeps,
 * and createDeps adds what is one scope's (its store view, its result delivery).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { MessageStore } from '../../../lib/store/message-store';
import { SyncGateway } from '../../../lib/store/sync-gateway';
import type { TwilioClient } from '../../../lib/twilio-client';
import { describeFailure } from '../../../lib/twilio-errors';
import { ANSWER_MARGIN_MS } from './call-budget';
import type { BridgeConfig } from './bridge-config';
import { type Confirmations, ProcessConfirmations } from '../../../lib/guard/confirmations';
import type { Logger } from './logger';
import { Reconciler } from './reconciler';
import type { Host } from './host';
import { ResultDelivery } from './result-delivery';
import { type ResultTracking, UNTRACKED } from './result-tracking';
import { EMPTY_LEDGER } from '../../../lib/guard/send-caps';
import { type GuardLimits, type LedgerCell, ProcessSendGuard, type SendGuard } from '../../../lib/guard/send-guard';
import type { SendDeps } from './send/send-message';
import { SyncConfirmations } from '../../../lib/guard/sync-confirmations';
import { SyncSendGuard } from '../../../lib/guard/sync-send-guard';
import type { UserScope } from '../../../lib/scope/user-scope';

export interface BridgeDeps extends SendDeps {
  /** Undoes a handover whose result did not reach the client, as far as the host sees (result-tracking.ts). */
  delivery: ResultTracking;
  /** The host runs resources/subscribe (host.ts). */
  subscriptions: boolean;
  /**
   * Before a read: store what Twilio's log has and the store lacks, when this scope's turn is due.
   * True when a turn ran (entries read before it may be stale).
   */
  reconcile: (store: MessageStore) => Promise<boolean>;
}

export interface SharedDeps {
  host: Host;
  twilio: () => Promise<TwilioClient>;
  /** null without a Sync service. */
  sync: (() => Promise<SyncGateway>) | null;
  /**
   * The guard and confirmations of one owner (whose sends are counted together: one SMS_USER's reader
   * key, or "shared" without one): one instance per owner for the whole process.
   */
  guardOf(owner: string): { guard: SendGuard; confirmations: Confirmations };
  /** null without a Sync service or with RECONCILE_INTERVAL_SECONDS=0. */
  reconciler: Reconciler | null;
}

/**
 * What all scopes of one host share. Throws when the host does not accept a guard in memory and
 * there is no Sync service: such a host would forget every send, and so every cap, between requests.
 */
export function createShared(config: BridgeConfig, log: Logger, host: Host): SharedDeps {
  if (!config.syncServiceSid && !host.processLocalGuard) {
    throw new Error('This host keeps nothing between requests, so the send guard (duplicates, caps, confirmation tokens) must be in Sync. Set TWILIO_SYNC_SERVICE_SID (npm run setup prints it).');
  }
  let gateway: Promise<SyncGateway> | undefined;
  const { twilio } = host;
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
  // Without Sync, the account's caps are one ledger for every owner of this process.
  const accountLedger: LedgerCell = { value: EMPTY_LEDGER };
  return {
    host,
    twilio,
    sync,
    reconciler: sync && config.reconcileIntervalSeconds > 0 ? new Reconciler({ twilio, sync, intervalMs: config.reconcileIntervalSeconds * 1000, log, now: Date.now }) : null,
    guardOf: (owner) => {
      let found = guards.get(owner);
      if (!found) {
        // Kept in Sync whenever there is a service, so that restarts and other bridges see it.
        found = sync
          ? { guard: new SyncSendGuard({ sync, owner, limits, warn: log.warn }), confirmations: new SyncConfirmations(sync, owner) }
          : { guard: new ProcessSendGuard(limits, Date.now, accountLedger), confirmations: new ProcessConfirmations() };
        guards.set(owner, found);
      }
      return found;
    },
  };
}

/** The tools' dependencies for one scope (the configured one unless given). */
export function createDeps(config: BridgeConfig, log: Logger, shared: SharedDeps, scopeOverride?: UserScope): BridgeDeps {
  const scoped = { ...config, scope: scopeOverride ?? config.scope };
  let store: Promise<MessageStore | null> | undefined;
  // A user the administrator assigned no number sees nothing, whatever path reads the store.
  const scope = scoped.scope.ok ? { reader: scoped.scope.reader, numbers: scoped.scope.numbers } : { reader: null, numbers: [] };
  // The guard's owner: one SMS_USER's bridges share their duplicates and caps; without one, all do.
  const { guard, confirmations } = shared.guardOf(scope.reader ?? 'shared');
  const { sync, reconciler } = shared;
  // Whose messages this scope reconciles: its numbers, else the bridge's Messaging Service.
  const sources = !scoped.scope.ok ? [] : (scoped.scope.numbers ?? (config.sender.messagingServiceSid ? [config.sender.messagingServiceSid] : []));
  return {
    config: scoped,
    log,
    delivery:
      shared.host.resultTracking === 'none'
        ? UNTRACKED
        : new ResultDelivery({
            keepMs: config.clientTimeoutSeconds * 1000 + ANSWER_MARGIN_MS,
            onUndo: (why, undo) => {
              log.warn(`a result did not reach the client (${why}): its messages stay new for the next receive`);
              return undo().catch((error: unknown) => log.error(`giving messages back after an undelivered result failed: ${describeFailure(error)}`));
            },
          }),
    subscriptions: shared.host.subscriptions,
    guard,
    confirmations,
    twilio: shared.twilio,
    reconcile: async (activeStore) => (reconciler && sources.length > 0 ? reconciler.catchUp(activeStore, sources) : false),
    store: () => (store ??= sync ? sync().then((gateway) => new MessageStore(gateway, { scope, handoverSettleMs: config.clientTimeoutSeconds * 1000 + ANSWER_MARGIN_MS })) : Promise.resolve(null)),
    sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
    now: () => new Date(),
  };
}
