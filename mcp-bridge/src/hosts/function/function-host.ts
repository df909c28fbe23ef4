/**
 * The Host of the core when a Twilio Function serves /mcp: one request per invocation and nothing
 * kept that matters between them. So no guard in memory (createShared refuses without Sync), no
 * subscriptions (nothing outlives the answer), no result tracking (a cancellation after the
 * answer cannot be seen), and the Twilio client is the account's own, from
 * `context.getTwilioClient()`, never a second copy of the credentials: its request client carries
 * the Function's timeout, and the emulator's base URL when TWILIO_API_BASE_URL is set, as the
 * webhooks' client does (lib/twilio-client.ts).
 */
import type { Host } from '../../server/host';
import { type TwilioClient, twilioHttpClient } from '../../../../lib/twilio-client';

/** What the Function's context offers for the client: Twilio's getTwilioClient, typed loosely enough for tests. */
export type GetTwilioClient = (options: { httpClient: ReturnType<typeof twilioHttpClient> }) => unknown;

export function functionHost(getTwilioClient: GetTwilioClient, options: { apiBaseUrl: string | undefined; timeoutMs: number }): Host {
  let client: Promise<TwilioClient> | undefined;
  const twilio = () =>
    (client ??= Promise.resolve().then(() => getTwilioClient({ httpClient: twilioHttpClient({ apiBaseUrl: options.apiBaseUrl, timeoutMs: options.timeoutMs }) }) as TwilioClient));
  return { twilio, processLocalGuard: false, subscriptions: false, resultTracking: 'none' };
}
