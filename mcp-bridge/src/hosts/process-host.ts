/**
 * The host choices of a long-lived bridge process (stdio, and the HTTP service): it keeps its
 * connections past each answer, so it runs subscriptions and sees a result that did not reach the
 * client; without Sync its guard may live in its own memory (it guards its own sends).
 *
 * Its Twilio client is made on first use from the configured credentials: `initialize` and
 * `tools/list` need none of twilio-node. (A lazy `require`, not `import()`: the bundle and jest are
 * CommonJS.) In the built bridge that `require` is mcp-bridge/dist/twilio-client.js, the client and
 * the parts of twilio-node it uses in one bundle of their own (scripts/build.mjs), compiled from
 * its code cache (launcher.ts).
 */
import type { BridgeConfig } from '../server/bridge-config';
import type { Host } from '../server/host';
import type { Logger } from '../server/logger';
import type { TwilioClient } from '../../../lib/twilio-client';

export function processHost(config: BridgeConfig, log: Logger): Host {
  let client: Promise<TwilioClient> | undefined;
  const twilio = () =>
    (client ??= Promise.resolve().then(() => {
      const { createTwilioClient } = require('../../../lib/twilio-client') as typeof import('../../../lib/twilio-client');
      log.info(`Twilio client ready${config.apiBaseUrl ? ` (API at ${config.apiBaseUrl})` : ''}`);
      return createTwilioClient(config.credentials, { apiBaseUrl: config.apiBaseUrl, timeoutMs: config.twilioTimeoutMs ?? 15_000 });
    }));
  return { twilio, processLocalGuard: true, subscriptions: true, resultTracking: 'give-back' };
}
