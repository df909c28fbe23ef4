/**
 * The account credentials: the one type the bridge, the Functions and the scripts pass to
 * createTwilioClient, and how the bridge and `npm run setup` read them from their environment.
 */
import * as z from 'zod';
import { secret, sid } from './schema';

/** An auth token, or an API key (SK…) and its secret; both belong to the account `accountSid`. */
export type TwilioCredentials =
  | { accountSid: string; authToken: string }
  | { accountSid: string; apiKey: string; apiSecret: string };

const AUTH_TOKEN_SOURCE = 'your auth token, from Twilio Console → Account info';

/** The settings the credentials come from (the bridge's names; setup reads the same). */
export const CREDENTIAL_SETTINGS = {
  TWILIO_ACCOUNT_SID: sid('AC', 'TWILIO_ACCOUNT_SID'),
  TWILIO_AUTH_TOKEN: secret('TWILIO_AUTH_TOKEN', AUTH_TOKEN_SOURCE).optional(),
  TWILIO_API_KEY: sid('SK', 'TWILIO_API_KEY').optional(),
  TWILIO_API_SECRET: secret('TWILIO_API_SECRET', 'the secret shown once when the API key was created').optional(),
};

export type CredentialSetting = keyof typeof CREDENTIAL_SETTINGS;

const CredentialSchema = z.object(CREDENTIAL_SETTINGS);

/**
 * A setting to fix: its name, and what is wrong and where its value comes from, without a final
 * stop; `unset` when the setting is absent, so that a reader can add where to set it.
 */
export interface SettingProblem {
  name: string;
  message: string;
  unset: boolean;
}

/**
 * The credentials the set values give (setValues: placeholders and empty values already dropped),
 * or every problem with them. An API key wins over the auth token when both are set. `unset`
 * says how an absent setting is described ("is not set"; the bridge names LibreChat's placeholder).
 */
export function readCredentials(
  values: Readonly<Record<string, string>>,
  unset: (name: CredentialSetting) => string = () => 'is not set',
): { ok: true; credentials: TwilioCredentials } | { ok: false; problems: SettingProblem[] } {
  const problems: SettingProblem[] = [];
  const has = (name: CredentialSetting) => values[name] !== undefined;
  const absent = (name: CredentialSetting, what: string) => problems.push({ name, message: `${name} ${unset(name)}. ${what}`, unset: true });
  if (!has('TWILIO_ACCOUNT_SID')) absent('TWILIO_ACCOUNT_SID', 'Set your Account SID (AC…, from Twilio Console → Account info)');
  if (has('TWILIO_API_KEY') || has('TWILIO_API_SECRET')) {
    for (const name of ['TWILIO_API_KEY', 'TWILIO_API_SECRET'] as const) {
      if (!has(name)) absent(name, 'An API key needs both: set TWILIO_API_KEY (SK…) and TWILIO_API_SECRET');
    }
  } else if (!has('TWILIO_AUTH_TOKEN')) {
    absent('TWILIO_AUTH_TOKEN', 'Set your auth token (Twilio Console → Account info), or instead TWILIO_API_KEY and TWILIO_API_SECRET');
  }
  const parsed = CredentialSchema.safeParse(values);
  // An absent setting is said above, in words that name where to set it.
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]) as CredentialSetting;
      if (has(name)) problems.push({ name, message: issue.message, unset: false });
    }
  }
  // A value given but wrong first: it is the likelier mistake, and fixing it may settle the rest.
  if (!parsed.success || problems.length > 0) return { ok: false, problems: [...problems.filter((p) => !p.unset), ...problems.filter((p) => p.unset)] };
  const e = parsed.data;
  if (e.TWILIO_API_KEY && e.TWILIO_API_SECRET) return { ok: true, credentials: { accountSid: e.TWILIO_ACCOUNT_SID, apiKey: e.TWILIO_API_KEY, apiSecret: e.TWILIO_API_SECRET } };
  if (e.TWILIO_AUTH_TOKEN) return { ok: true, credentials: { accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN } };
  // Unreachable: the checks above leave one of the two complete.
  return { ok: false, problems: [{ name: 'TWILIO_AUTH_TOKEN', message: `TWILIO_AUTH_TOKEN ${unset('TWILIO_AUTH_TOKEN')}`, unset: true }] };
}
