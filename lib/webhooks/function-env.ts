/**
 * What the Functions read from their environment (twilio-run's `.env` locally, the Service's
 * environment variables when deployed), and the store built from it.
 */
// A namespace import lets esbuild keep only the zod parts in use: through zod's `z` re-export
// a Function bundle carried every locale zod ships (0.6 of its 0.8 MB).
import * as z from 'zod';
import { logPiiFrom } from '../mask';
import { MessageStore } from '../store/message-store';
import { SyncGateway } from '../store/sync-gateway';
import { createTwilioClient } from '../twilio-client';
import { webhookUrl } from './signature';
import type { WebhookDeps } from './handle-incoming';

const FunctionEnvSchema = z.object({
  ACCOUNT_SID: z.string().regex(/^AC[0-9a-f]{32}$/, 'ACCOUNT_SID must be AC followed by 32 hex digits'),
  AUTH_TOKEN: z.string().min(1, 'AUTH_TOKEN is required to check X-Twilio-Signature'),
  SYNC_SERVICE_SID: z.string().regex(/^IS[0-9a-f]{32}$/, 'SYNC_SERVICE_SID (or TWILIO_SYNC_SERVICE_SID) must be IS followed by 32 hex digits'),
  TWILIO_API_BASE_URL: z.string().url().optional(),
  WEBHOOK_BASE_URL: z.string().url().optional(),
  AUTO_REPLY_TEXT: z.string().optional(),
  SYNC_TTL_SECONDS: z.coerce.number().int().min(0).max(31_536_000).default(0),
  LOG_PII: z.string().optional(),
  DOMAIN_NAME: z.string().optional(),
  // Per-request timeout of the Functions' Twilio client, ms; unset: 5 s. At most 5 s: a webhook's
  // last Sync call starts by 9 s (WEBHOOK_BUDGET_MS) and must end within Twilio's 15 s. Tests of
  // timeouts set it lower.
  TWILIO_TIMEOUT_MS: z.coerce.number().int().min(100).max(5000).optional(),
});

export type FunctionEnv = z.infer<typeof FunctionEnvSchema>;

/** The Sync service SID's two names; the first one set wins (readFunctionEnv). */
export const SYNC_SERVICE_SID_NAMES = ['SYNC_SERVICE_SID', 'TWILIO_SYNC_SERVICE_SID'] as const;

/**
 * The settings a deploy may leave unset: every optional one of the schema (unset means off, or
 * its default). DOMAIN_NAME is Twilio's own, never a Variable. `twilio-run deploy` uploads only
 * the non-empty values of `.env` and never deletes a Variable, so `npm run deploy`
 * (scripts/deploy.ts) deletes these from the deployed environment when `.env` leaves them empty.
 */
export function optionalSettings(): string[] {
  return Object.entries(FunctionEnvSchema.shape)
    .filter(([name, schema]) => name !== 'DOMAIN_NAME' && schema.safeParse(undefined).success)
    .map(([name]) => name);
}

/** Empty strings in `.env` mean "unset". */
function definedOnly(context: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(context).filter(([, value]) => value !== '' && value !== undefined));
}

export function readFunctionEnv(context: Record<string, unknown>): { ok: true; env: FunctionEnv } | { ok: false; error: string } {
  const values = definedOnly(context);
  const parsed = FunctionEnvSchema.safeParse({ ...values, SYNC_SERVICE_SID: values.SYNC_SERVICE_SID ?? values.TWILIO_SYNC_SERVICE_SID });
  if (parsed.success) return { ok: true, env: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, error: `Configuration: ${issue?.path.join('.')}: ${issue?.message}` };
}

/**
 * A warm Function instance serves many requests: the client (and its keep-alive connections to
 * Twilio) is built once per configuration, not per webhook.
 */
let cached: { key: string; store: MessageStore } | undefined;

export function webhookDeps(env: FunctionEnv, log: (line: string) => void): WebhookDeps {
  const key = JSON.stringify([env.ACCOUNT_SID, env.AUTH_TOKEN, env.SYNC_SERVICE_SID, env.TWILIO_API_BASE_URL, env.SYNC_TTL_SECONDS, env.TWILIO_TIMEOUT_MS]);
  if (cached?.key !== key) {
    const client = createTwilioClient(
      { accountSid: env.ACCOUNT_SID, authToken: env.AUTH_TOKEN },
      { apiBaseUrl: env.TWILIO_API_BASE_URL, timeoutMs: env.TWILIO_TIMEOUT_MS ?? 5000 },
    );
    cached = { key, store: new MessageStore(new SyncGateway(client, env.SYNC_SERVICE_SID, { ttlSeconds: env.SYNC_TTL_SECONDS })) };
  }
  return { store: cached.store, authToken: env.AUTH_TOKEN, log, logPii: logPiiFrom(env.LOG_PII) };
}

export function calledUrl(env: FunctionEnv, path: string): string {
  return webhookUrl({ baseUrl: env.WEBHOOK_BASE_URL, domainName: env.DOMAIN_NAME, path });
}
