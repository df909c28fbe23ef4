/**
 * A Messaging Service's sender pool, read from Twilio's Messaging API:
 * GET https://messaging.twilio.com/v1/Services/{ServiceSid}/PhoneNumbers (twilio-oai
 * spec/json/twilio_messaging_v1.json, `ListPhoneNumberResponse`, each item's `phone_number`).
 * A bridge with only a Messaging Service reads it for a scheduled send, whose sender Twilio picks
 * only at SendAt: with one number in the pool that is the number, and the message is filed in its
 * conversation at once. Two are enough to know there is more than one, so one page of two.
 *
 * Cached per client (one per bridge process) for a minute: a pool changes in the Console, rarely,
 * and a send filed under the service when it had become a pool of one is still found by its
 * status callbacks (lib/store/status-update.ts).
 */
import { withRetry } from '../retry';
import type { TwilioClient } from '../twilio-client';

export const POOL_TTL_MS = 60_000;

const pools = new WeakMap<TwilioClient, Map<string, { numbers: Promise<string[]>; at: number }>>();

/** Up to two of the service's phone numbers; rejects when the read fails (then nothing is cached). */
export function senderPool(client: TwilioClient, serviceSid: string, now: number): Promise<string[]> {
  let byService = pools.get(client);
  if (!byService) pools.set(client, (byService = new Map()));
  const cached = byService.get(serviceSid);
  if (cached && now - cached.at < POOL_TTL_MS) return cached.numbers;
  const numbers = withRetry(() => client.messaging.v1.services(serviceSid).phoneNumbers.list({ limit: 2, pageSize: 2 })).then((page) => page.map((n) => n.phoneNumber));
  const entry = { numbers, at: now };
  byService.set(serviceSid, entry);
  numbers.catch(() => {
    if (byService.get(serviceSid) === entry) byService.delete(serviceSid);
  });
  return numbers;
}
