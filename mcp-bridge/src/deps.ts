/**
 * What the tools need, built from the configuration. The Twilio client and the store are created
 * on first use: loading twilio-node costs ~150 ms, and `initialize` + `tools/list` need none of it.
 * (A lazy `require`, not `import()`: the bundle and jest are CommonJS.)
 */
import { MessageStore } from '../../lib/store/message-store';
import { SyncGateway } from '../../lib/store/sync-gateway';
import type { TwilioClient } from '../../lib/twilio-client';
import type { BridgeConfig } from './config';
import type { Logger } from './logger';
import { Confirmations } from './confirmations';
import { SendGuard } from './send-guard';
import type { SendDeps } from './send-sms';

export type BridgeDeps = SendDeps;

export function createDeps(config: BridgeConfig, log: Logger): BridgeDeps {
  let client: Promise<TwilioClient> | undefined;
  let store: Promise<MessageStore | null> | undefined;
  const twilio = () =>
    (client ??= Promise.resolve().then(() => {
      const { createTwilioClient } = require('../../lib/twilio-client') as typeof import('../../lib/twilio-client');
      log.info(`Twilio client ready${config.apiBaseUrl ? ` (API at ${config.apiBaseUrl})` : ''}`);
      return createTwilioClient(config.credentials, { apiBaseUrl: config.apiBaseUrl, timeoutMs: config.twilioTimeoutMs ?? 15_000 });
    }));
  return {
    config,
    log,
    guard: new SendGuard({
      duplicateWindowMs: config.duplicateWindowSeconds * 1000,
      perMinute: config.sendLimitPerMinute,
      perRecipientPerMinute: config.sendLimitPerRecipientPerMinute,
      perHour: config.sendLimitPerHour,
      perDay: config.sendLimitPerDay,
    }),
    confirmations: new Confirmations(),
    twilio,
    store: () =>
      (store ??= config.syncServiceSid
        ? twilio().then((twilioClient) => new MessageStore(new SyncGateway(twilioClient, config.syncServiceSid!, { ttlSeconds: config.syncTtlSeconds })))
        : Promise.resolve(null)),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
  };
}
