/**
 * What the tools need, built from the configuration. The Twilio client and the store are created
 * on first use: loading twilio-node costs ~150 ms, and `initialize` + `tools/list` need none of it.
 * (A lazy `require`, not `import()`: the bundle and jest are CommonJS.)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import type { TwilioClient } from '../../lib/twilio-client';
import type { BridgeConfig } from './config';
import type { Logger } from './logger';
import { describeFailure } from '../../lib/twilio-errors';
import { ANSWER_MARGIN_MS } from './call-budget';
import { MemoryConfirmations } from './confirmations';
import { ResultDelivery } from './result-delivery';
import { type GuardLimits, MemoryGuard } from './send-guard';
import { SyncConfirmations } from './sync-confirmations';
import { SyncSendGuard } from './sync-send-guard';
import type { SendDeps } from './send-sms';

export interface BridgeDeps extends SendDeps {
  /** Undoes a handover whose result did not reach the client (result-delivery.ts). */
  delivery: ResultDelivery;
}

export function createDeps(config: BridgeConfig, log: Logger): BridgeDeps {
  let client: Promise<TwilioClient> | undefined;
  let gateway: Promise<SyncGateway> | undefined;
  let store: Promise<MessageStore | null> | undefined;
  const twilio = () =>
    (client ??= Promise.resolve().then(() => {
      const { createTwilioClient } = require('../../lib/twilio-client') as typeof import('../../lib/twilio-client');
      log.info(`Twilio client ready${config.apiBaseUrl ? ` (API at ${config.apiBaseUrl})` : ''}`);
      return createTwilioClient(config.credentials, { apiBaseUrl: config.apiBaseUrl, timeoutMs: config.twilioTimeoutMs ?? 15_000 });
    }));
  const { syncServiceSid } = config;
  const sync = () => (gateway ??= twilio().then((twilioClient) => new SyncGateway(twilioClient, syncServiceSid!, { ttlSeconds: config.syncTtlSeconds })));
  // A user the administrator assigned no number sees nothing, whatever path reads the store.
  const scope = config.scope.ok ? { reader: config.scope.reader, numbers: config.scope.numbers } : { reader: null, numbers: [] };
  // The guard's sender: one SMS_USER's bridges share their duplicates and caps; without one, all do.
  const sender = scope.reader ?? 'shared';
  const limits: GuardLimits = {
    duplicateWindowMs: config.duplicateWindowSeconds * 1000,
    perMinute: config.sendLimitPerMinute,
    perRecipientPerMinute: config.sendLimitPerRecipientPerMinute,
    perHour: config.sendLimitPerHour,
    perDay: config.sendLimitPerDay,
    accountPerMinute: config.sendLimitAccountPerMinute,
    accountPerDay: config.sendLimitAccountPerDay,
  };
  return {
    config,
    log,
    delivery: new ResultDelivery({
      keepMs: config.clientTimeoutSeconds * 1000 + ANSWER_MARGIN_MS,
      onUndo: (why, undo) => {
        log.warn(`a result did not reach the client (${why}): its messages stay new for the next receive`);
        undo().catch((error: unknown) => log.error(`giving messages back after an undelivered result failed: ${describeFailure(error)}`));
      },
    }),
    // Kept in Sync whenever there is a service, so that restarts and other bridges see it.
    guard: syncServiceSid ? new SyncSendGuard({ sync, sender, limits, warn: log.warn }) : new MemoryGuard(limits),
    confirmations: syncServiceSid ? new SyncConfirmations(sync, sender) : new MemoryConfirmations(),
    twilio,
    store: () => (store ??= syncServiceSid ? sync().then((gateway) => new MessageStore(gateway, { scope })) : Promise.resolve(null)),
    sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : {}).catch(() => undefined),
    now: () => new Date(),
  };
}
