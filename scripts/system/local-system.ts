/**
 * The whole product on loopback, less the bridge: the emulator as Twilio, and the Functions under
 * `twilio-run start` wired to the number as on a real account. `npm run sandbox` and `npm run demo`
 * start it, and so do the tests and the benchmarks (bridged-system.ts adds a bridge).
 */
import { startEmulator, type Emulator, type EmulatorOptions } from '../../emulator';
import { createTwilioClient } from '../../lib/twilio-client';
import { describeSteps, incomingUrl, provision, type ProvisionResult } from '../provision';
import { functionsBaseUrl, type FunctionsProcess, startFunctions } from './functions-process';
import { freePort } from './ports';

/**
 * How the account is made ready for the Functions:
 * - `provision`: exactly what `npm run setup` does on a real account (provision.ts: the given Sync
 *   service checked, the number's SMS URL and fallback URL set), for the sandbox;
 * - `sms-url`: a new Sync service named 'twilio-sms-mcp' and the number's SMS URL only, no fallback
 *   URL, so a failed webhook is not called a second time unless a test asks for it.
 */
export type Wiring = { kind: 'provision'; syncServiceSid: string } | { kind: 'sms-url' };

export interface LocalSystemOptions {
  /** The account's one phone number, in E.164. */
  ourNumber: string;
  wiring: Wiring;
  /** Passed to the emulator after `phoneNumbers: [ourNumber]` (and the Sync service of `provision`). */
  emulator?: EmulatorOptions | undefined;
  /** Default: a free port. */
  functionsPort?: number | undefined;
  /** Added to the Functions' `.env` after the account's credentials, Sync service and API URL. */
  functionsEnv?: Record<string, string> | undefined;
  /** What started where, and twilio-run's lines; silent without it. */
  log?: ((line: string) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface LocalSystem {
  emulator: Emulator;
  functions: FunctionsProcess;
  ourNumber: string;
  syncServiceSid: string;
  /** What provision() did (`provision` wiring only). */
  provisioned: ProvisionResult | undefined;
  /** The bridge's environment for this system: what the sandbox's printed MCP client configuration holds. */
  bridgeEnv: Record<string, string>;
  /** Stops what was started, in reverse order, once however often it is called. */
  close(): Promise<void>;
}

/** Points the number's incoming-SMS webhook at the Functions, by hand (the `sms-url` wiring). */
async function pointSmsUrl(emulator: Emulator, ourNumber: string, smsUrl: string): Promise<void> {
  const twilio = createTwilioClient({ accountSid: emulator.accountSid, authToken: emulator.authToken }, { apiBaseUrl: emulator.url });
  const [number] = await twilio.incomingPhoneNumbers.list({ phoneNumber: ourNumber });
  if (!number) throw new Error(`The emulator has no number ${ourNumber}.`);
  await twilio.incomingPhoneNumbers(number.sid).update({ smsUrl, smsMethod: 'POST' });
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const { ourNumber, wiring } = options;
  const log = options.log ?? (() => undefined);
  const cleanups: (() => Promise<void> | void)[] = [];
  let closing: Promise<void> | undefined;
  // Undone in reverse order of starting, once however often close() is called.
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      for (const step of [...cleanups].reverse()) await step();
    })());
  try {
    const emulator = await startEmulator({
      phoneNumbers: [ourNumber],
      ...(wiring.kind === 'provision' ? { syncServices: [wiring.syncServiceSid] } : {}),
      ...options.emulator,
    });
    cleanups.push(() => emulator.close());
    log(`Twilio emulator  ${emulator.url}  account ${emulator.accountSid}, number ${ourNumber} (fake test credentials)`);

    // The Functions' URL is known before they start, so the number is wired first, as setup does.
    const functionsPort = options.functionsPort ?? (await freePort());
    const functionsUrl = functionsBaseUrl(functionsPort);
    let provisioned: ProvisionResult | undefined;
    let syncServiceSid: string;
    if (wiring.kind === 'provision') {
      provisioned = await provision({
        credentials: { accountSid: emulator.accountSid, authToken: emulator.authToken },
        phoneNumber: ourNumber,
        functionsBaseUrl: functionsUrl,
        syncServiceSid: wiring.syncServiceSid,
        apiBaseUrl: emulator.url,
      });
      syncServiceSid = provisioned.syncServiceSid;
      const [first, ...more] = describeSteps(provisioned.steps);
      log(`Provisioned      ${first ?? ''}`);
      for (const line of more) log(`                 ${line}`);
    } else {
      syncServiceSid = emulator.createSyncService('twilio-sms-mcp');
      await pointSmsUrl(emulator, ourNumber, incomingUrl(functionsUrl));
    }

    const functionsEnv = {
      ACCOUNT_SID: emulator.accountSid,
      AUTH_TOKEN: emulator.authToken,
      SYNC_SERVICE_SID: syncServiceSid,
      TWILIO_API_BASE_URL: emulator.url,
      ...options.functionsEnv,
    };
    const functions = await startFunctions(functionsEnv, { port: functionsPort, log: options.log, signal: options.signal });
    cleanups.push(() => functions.close());
    log(`Functions        ${functions.url}  twilio-run start: POST /sms/incoming, POST /sms/status (env file ${functions.envFile})`);

    return {
      emulator,
      functions,
      ourNumber,
      syncServiceSid,
      provisioned,
      bridgeEnv: {
        TWILIO_ACCOUNT_SID: emulator.accountSid,
        TWILIO_AUTH_TOKEN: emulator.authToken,
        TWILIO_PHONE_NUMBER: ourNumber,
        TWILIO_SYNC_SERVICE_SID: syncServiceSid,
        TWILIO_API_BASE_URL: emulator.url,
        STATUS_CALLBACK_BASE_URL: functions.url,
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
