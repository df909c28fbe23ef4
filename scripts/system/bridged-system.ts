/**
 * The whole product on loopback, bridge included, for the tests and the benchmarks: the local
 * system (local-system.ts: the emulator, the Functions under `twilio-run start`, the number's SMS
 * URL pointed at them) plus the bridge over stdio, wired as the real setup does.
 */
import type { Emulator, EmulatorOptions } from '../../emulator';
import { createTwilioClient, type TwilioClient } from '../../lib/twilio-client';
import { startBridge, type BridgeProcess } from './bridge-process';
import type { FunctionsProcess } from './functions-process';
import { startLocalSystem } from './local-system';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

export { MAGIC_FROM_NUMBER };

export interface System {
  emulator: Emulator;
  functions: FunctionsProcess;
  bridge: BridgeProcess;
  syncServiceSid: string;
  twilio: TwilioClient;
  bridgeEnv(extra?: Record<string, string>): Record<string, string>;
  /** A bridge of its own with `extra` settings, for the span of `run`. */
  withBridge(extra: Record<string, string>, run: (bridge: BridgeProcess) => Promise<void>): Promise<void>;
  /** Messages API creates the emulator answered: a refusal before Twilio leaves this unchanged. */
  messageCreates(): number;
  close(): Promise<void>;
}

export async function startSystem(options: { emulator?: EmulatorOptions; functionsEnv?: Record<string, string>; bridgeEnv?: Record<string, string> } = {}): Promise<System> {
  const local = await startLocalSystem({
    ourNumber: MAGIC_FROM_NUMBER,
    // The number's SMS URL only: no fallback URL, so a failed webhook is not retried behind a test's back.
    wiring: { kind: 'sms-url' },
    emulator: { deliveryStepMs: 40, ...options.emulator },
    functionsEnv: options.functionsEnv,
  });
  const { emulator } = local;
  const twilio = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  const bridgeEnv = (extra: Record<string, string> = {}) => ({ ...local.bridgeEnv, SEND_WAIT_SECONDS: '10', ...options.bridgeEnv, ...extra });
  let bridge: BridgeProcess;
  try {
    bridge = await startBridge(bridgeEnv());
  } catch (error) {
    await local.close();
    throw error;
  }
  return {
    emulator,
    functions: local.functions,
    bridge,
    syncServiceSid: local.syncServiceSid,
    twilio,
    bridgeEnv,
    withBridge: async (extra, run) => {
      const own = await startBridge(bridgeEnv(extra));
      try {
        await run(own);
      } finally {
        await own.close();
      }
    },
    messageCreates: () => emulator.count({ method: 'POST', product: 'api', route: /Messages\.json$/ }),
    close: async () => {
      await bridge.close();
      await local.close();
    },
  };
}
