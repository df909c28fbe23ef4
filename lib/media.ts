/**
 * Fetches one inbound MMS media item with the account's credentials. Only Twilio media URLs of
 * this account are fetched, so a URL in a message cannot make the bridge send credentials, or
 * requests, anywhere else. Twilio answers with a redirect to short-lived storage: the redirect is
 * followed without credentials.
 */
import { rewriteTwilioUrl } from './twilio-url';
import type { TwilioCredentials } from './env/credentials';

const MEDIA_URL = /^https:\/\/api\.twilio\.com\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\/((?:SM|MM)[0-9a-f]{32})\/Media\/ME[0-9a-f]{32}$/;

export type MediaResult =
  | { ok: true; contentType: string; bytes: Buffer }
  | { ok: false; reason: string };

export interface MediaDeps {
  credentials: TwilioCredentials;
  apiBaseUrl: string | undefined;
  maxBytes: number;
  fetch?: typeof fetch;
}

export function checkMediaUrl(url: string, accountSid: string): string | null {
  const match = MEDIA_URL.exec(url.trim());
  if (!match) return 'Not a Twilio media URL (https://api.twilio.com/2010-04-01/Accounts/AC…/Messages/…/Media/ME…). Use a media URL from receive_sms or get_conversation.';
  if (match[1] !== accountSid) return 'That media URL belongs to another Twilio account.';
  return null;
}

/** The SID of the message a (checked) media URL belongs to. */
export function mediaMessageSid(url: string): string | null {
  return MEDIA_URL.exec(url.trim())?.[2] ?? null;
}

export async function fetchMedia(deps: MediaDeps, url: string): Promise<MediaResult> {
  const invalid = checkMediaUrl(url, deps.credentials.accountSid);
  if (invalid) return { ok: false, reason: invalid };
  const doFetch = deps.fetch ?? fetch;
  const [user, password] = 'apiKey' in deps.credentials ? [deps.credentials.apiKey, deps.credentials.apiSecret] : [deps.credentials.accountSid, deps.credentials.authToken];
  const target = deps.apiBaseUrl ? rewriteTwilioUrl(url.trim(), deps.apiBaseUrl) : url.trim();
  let response = await doFetch(target, { redirect: 'manual', headers: { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` } });
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    response = await doFetch(new URL(location, target), { redirect: 'follow' });
  }
  if (response.status === 404) return { ok: false, reason: 'Twilio has no such media item (it may have been deleted).' };
  if (!response.ok) return { ok: false, reason: `Fetching the media failed with HTTP ${response.status}.` };
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > deps.maxBytes) return { ok: false, reason: tooLarge(declared, deps.maxBytes) };
  const bytes = Buffer.from(await response.arrayBuffer());
  if (bytes.length > deps.maxBytes) return { ok: false, reason: tooLarge(bytes.length, deps.maxBytes) };
  return { ok: true, contentType: response.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream', bytes };
}

function tooLarge(size: number, max: number): string {
  return `The media item is ${size} bytes, over the limit of ${max} (MEDIA_MAX_BYTES).`;
}
