/**
 * The whole product on loopback: the emulator, the Functions under `twilio-run start` with the
 * number's SMS URL pointed at them, and the bridge over stdio — wired as the real setup does.
 */
import { createTwilioClient, type TwilioClient } from '../../lib/twilio-client';
import { startEmulator, type Emulator, type EmulatorOptions } from '../emulator';
import { startBridge, type BridgeProcess } from './bridge-process';
import { startFunctions, type FunctionsProcess } from './functions-process';

export const OUR_NUMBER = '+15005550006';

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
  const emulator = await startEmulator({ phoneNumbers: [OUR_NUMBER], deliveryStepMs: 40, ...options.emulator });
  const syncServiceSid = emulator.createSyncService('twilio-sms-mcp');
  const functions = await startFunctions({
    ACCOUNT_SID: emulator.accountSid,
    AUTH_TOKEN: emulator.authToken,
    SYNC_SERVICE_SID: syncServiceSid,
    TWILIO_API_BASE_URL: emulator.url,
    ...options.functionsEnv,
  });
  const twilio = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  const [number] = await twilio.incomingPhoneNumbers.list({ phoneNumber: OUR_NUMBER });
  await twilio.incomingPhoneNumbers(number!.sid).update({ smsUrl: `${functions.url}/sms/incoming`, smsMethod: 'POST' });
  const bridgeEnv = (extra: Record<string, string> = {}) => ({
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: OUR_NUMBER,
    TWILIO_SYNC_SERVICE_SID: syncServiceSid,
    TWILIO_API_BASE_URL: emulator.url,
    STATUS_CALLBACK_BASE_URL: functions.url,
    SEND_WAIT_SECONDS: '10',
    ...options.bridgeEnv,
    ...extra,
  });
  const bridge = await startBridge(bridgeEnv());
  return {
    emulator,
    functions,
    bridge,
    syncServiceSid,
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
      await functions.close();
      await emulator.close();
    },
  };
}

/** Polls `check` until it returns a value, for effects that arrive asynchronously (callbacks). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
