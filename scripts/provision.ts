/**
 * Provisioning shared by `npm run setup` (a real account) and `npm run sandbox` (the emulator):
 * make the account ready for the Functions and the bridge, idempotently.
 *
 *   1. the credentials work (fetch the account),
 *   2. the number is one of the account's IncomingPhoneNumbers,
 *   3. a Sync service exists (the given SID, else one named 'twilio-sms-mcp', else a new one),
 *   4. the number's incoming-SMS webhook is POST {functionsBaseUrl}/sms/incoming.
 *
 * Every check (1–3) reads before anything is written, so a wrong credential, number or SID
 * changes nothing; and a write is made only when the value differs, so a second run writes nothing.
 */
import { describeFailure, hasCode, isNotFound, readFailure } from '../lib/twilio-errors';
import type { TwilioCredentials } from '../lib/env/credentials';
import { createTwilioClient, type TwilioClient } from '../lib/twilio-client';

/** The FriendlyName that lets a later run (or a teammate's) find the service again. */
export const SYNC_SERVICE_NAME = 'twilio-sms-mcp';
export const INCOMING_PATH = '/sms/incoming';

export interface ProvisionRequest {
  credentials: TwilioCredentials;
  /** E.164, already checked. */
  phoneNumber: string;
  /** Where the Functions run, without a trailing slash: https://…twil.io or http://localhost:3000. */
  functionsBaseUrl: string;
  /** Reuse exactly this Sync service (TWILIO_SYNC_SERVICE_SID). */
  syncServiceSid?: string | undefined;
  /** The emulator (TWILIO_API_BASE_URL); unset for real Twilio. */
  apiBaseUrl?: string | undefined;
}

export type StepAction = 'created' | 'updated' | 'unchanged';

export interface ProvisionStep {
  /** What was looked at, e.g. "Sync service" or "+15005550006 incoming SMS webhook". */
  subject: string;
  action: StepAction;
  /** Plain words: the value now, and what it was when it changed. */
  detail: string;
}

export interface ProvisionResult {
  accountSid: string;
  phoneNumberSid: string;
  syncServiceSid: string;
  smsUrl: string;
  steps: ProvisionStep[];
  /** True when anything was written. */
  changed: boolean;
}

export type ProvisionFailure = 'credentials' | 'phone-number' | 'sync-service' | 'twilio';

/** A failure the user can fix; `message` says what to fix and that nothing was changed when so. */
export class ProvisionError extends Error {
  constructor(
    readonly kind: ProvisionFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ProvisionError';
  }
}

export function incomingUrl(functionsBaseUrl: string): string {
  return `${functionsBaseUrl.replace(/\/+$/, '')}${INCOMING_PATH}`;
}

const NOTHING_CHANGED = 'Nothing was changed.';

function credentialNames(credentials: TwilioCredentials): string {
  return 'apiKey' in credentials ? 'TWILIO_ACCOUNT_SID, TWILIO_API_KEY and TWILIO_API_SECRET' : 'TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN';
}

/** Turns a Twilio error during the read-only checks into a message naming what to fix. */
function checkFailure(error: unknown, request: ProvisionRequest, doing: string): ProvisionError {
  if (hasCode(error, 20003) || readFailure(error).status === 401) {
    return new ProvisionError(
      'credentials',
      `Twilio rejected the credentials (error 20003) while ${doing}. Check ${credentialNames(request.credentials)} ` +
        `(Twilio Console → Account → API keys & tokens). ${NOTHING_CHANGED}`,
    );
  }
  return new ProvisionError('twilio', `Twilio failed while ${doing}: ${describeFailure(error)} ${NOTHING_CHANGED}`);
}

/**
 * Standard API keys may not read the Account resource (Twilio answers 20003 even for a good key),
 * so with a key the first real read (the number lookup) is the credential check.
 */
async function checkCredentials(client: TwilioClient, request: ProvisionRequest): Promise<void> {
  if ('apiKey' in request.credentials) return;
  try {
    await client.api.v2010.accounts(request.credentials.accountSid).fetch();
  } catch (error) {
    throw checkFailure(error, request, 'checking the account');
  }
}

interface NumberState {
  sid: string;
  smsUrl: string;
  smsMethod: string;
  smsFallbackUrl: string;
}

async function findNumber(client: TwilioClient, request: ProvisionRequest): Promise<NumberState> {
  let found;
  try {
    // Twilio matches PhoneNumber as a pattern, so the exact number is picked from the matches.
    const matches = await client.incomingPhoneNumbers.list({ phoneNumber: request.phoneNumber, pageSize: 50 });
    found = matches.find((n) => n.phoneNumber === request.phoneNumber);
  } catch (error) {
    throw checkFailure(error, request, 'looking up the phone number');
  }
  if (!found) {
    throw new ProvisionError(
      'phone-number',
      `${request.phoneNumber} is not a phone number of account ${request.credentials.accountSid}. ` +
        `Set TWILIO_PHONE_NUMBER to one of the account's numbers (Twilio Console → Phone Numbers → Manage → Active numbers), in E.164. ${NOTHING_CHANGED}`,
    );
  }
  return { sid: found.sid, smsUrl: found.smsUrl ?? '', smsMethod: (found.smsMethod ?? 'POST').toUpperCase(), smsFallbackUrl: found.smsFallbackUrl ?? '' };
}

type ServicePlan = { kind: 'existing'; sid: string; how: string } | { kind: 'create' };

async function planSyncService(client: TwilioClient, request: ProvisionRequest): Promise<ServicePlan> {
  const { syncServiceSid } = request;
  if (syncServiceSid) {
    try {
      const service = await client.sync.v1.services(syncServiceSid).fetch();
      return { kind: 'existing', sid: service.sid, how: 'given as TWILIO_SYNC_SERVICE_SID' };
    } catch (error) {
      if (isNotFound(error)) {
        throw new ProvisionError(
          'sync-service',
          `TWILIO_SYNC_SERVICE_SID ${syncServiceSid} is not a Sync service of account ${request.credentials.accountSid}. ` +
            `Fix the SID, or unset it to reuse or create the service named '${SYNC_SERVICE_NAME}'. ${NOTHING_CHANGED}`,
        );
      }
      throw checkFailure(error, request, 'reading the Sync service');
    }
  }
  try {
    const services = await client.sync.v1.services.list({ pageSize: 100 });
    // The oldest wins, so every run (and every teammate) settles on the same service.
    const named = services.filter((s) => s.friendlyName === SYNC_SERVICE_NAME).sort((a, b) => a.dateCreated.getTime() - b.dateCreated.getTime());
    const first = named[0];
    if (first) return { kind: 'existing', sid: first.sid, how: `found by its name '${SYNC_SERVICE_NAME}'` };
    return { kind: 'create' };
  } catch (error) {
    throw checkFailure(error, request, 'listing Sync services');
  }
}

export async function provision(request: ProvisionRequest, client?: TwilioClient): Promise<ProvisionResult> {
  const twilio = client ?? createTwilioClient(request.credentials, { apiBaseUrl: request.apiBaseUrl, timeoutMs: 15_000 });
  const smsUrl = incomingUrl(request.functionsBaseUrl);

  // Reads only: any failure here leaves the account exactly as it was.
  await checkCredentials(twilio, request);
  const number = await findNumber(twilio, request);
  const plan = await planSyncService(twilio, request);

  const steps: ProvisionStep[] = [];
  let syncServiceSid: string;
  try {
    if (plan.kind === 'create') {
      const created = await twilio.sync.v1.services.create({ friendlyName: SYNC_SERVICE_NAME });
      syncServiceSid = created.sid;
      steps.push({ subject: 'Sync service', action: 'created', detail: `${created.sid}, named '${SYNC_SERVICE_NAME}'` });
    } else {
      syncServiceSid = plan.sid;
      steps.push({ subject: 'Sync service', action: 'unchanged', detail: `${plan.sid}, ${plan.how}` });
    }
  } catch (error) {
    throw new ProvisionError('twilio', `Creating the Sync service failed: ${describeFailure(error)} Nothing else was changed; run setup again.`);
  }

  const subject = `${request.phoneNumber} incoming SMS webhook`;
  const primaryOk = number.smsUrl === smsUrl && number.smsMethod === 'POST';
  // Twilio does not retry a failed webhook, it calls the fallback URL once. Pointing the fallback
  // at the same Function gives a message whose store failed a second chance (a replay is stored
  // once). A fallback of the user's own is left alone.
  const setFallback = number.smsFallbackUrl === '';
  if (!primaryOk || setFallback) {
    try {
      await twilio.incomingPhoneNumbers(number.sid).update({
        ...(primaryOk ? {} : { smsUrl, smsMethod: 'POST' }),
        ...(setFallback ? { smsFallbackUrl: smsUrl, smsFallbackMethod: 'POST' } : {}),
      });
    } catch (error) {
      const done = steps.some((s) => s.action !== 'unchanged') ? ' The Sync service above was created; run setup again to finish.' : '';
      throw new ProvisionError('twilio', `Setting the SMS webhook of ${request.phoneNumber} failed: ${describeFailure(error)}${done}`);
    }
  }
  if (primaryOk) {
    steps.push({ subject, action: 'unchanged', detail: `POST ${smsUrl}` });
  } else {
    const was = number.smsUrl ? `${number.smsMethod} ${number.smsUrl}` : 'not set';
    steps.push({ subject, action: 'updated', detail: `POST ${smsUrl} (was: ${was})` });
  }
  const fallbackSubject = `${request.phoneNumber} SMS fallback URL`;
  if (setFallback) steps.push({ subject: fallbackSubject, action: 'updated', detail: `POST ${smsUrl} (a second attempt when the first fails)` });
  else steps.push({ subject: fallbackSubject, action: 'unchanged', detail: number.smsFallbackUrl === smsUrl ? `POST ${smsUrl}` : `kept your own: ${number.smsFallbackUrl}` });

  return {
    accountSid: request.credentials.accountSid,
    phoneNumberSid: number.sid,
    syncServiceSid,
    smsUrl,
    steps,
    changed: steps.some((s) => s.action !== 'unchanged'),
  };
}

/** One line per step: "Sync service: created IS…", "… webhook: updated to POST …", "…: unchanged (…)". */
export function describeSteps(steps: readonly ProvisionStep[]): string[] {
  const verb: Record<StepAction, (detail: string) => string> = {
    created: (detail) => `created ${detail}`,
    updated: (detail) => `updated to ${detail}`,
    unchanged: (detail) => `unchanged (${detail})`,
  };
  return steps.map((s) => `${s.subject}: ${verb[s.action](s.detail)}`);
}
