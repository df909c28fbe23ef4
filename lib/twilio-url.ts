/**
 * Where a twilio.com URL goes when TWILIO_API_BASE_URL points the product at another server (the
 * emulator). Kept apart from the client factory so code that only needs URLs does not load twilio.
 */
const TWILIO_HOST = /^https:\/\/([a-z0-9-]+)(?:\.[a-z0-9-]+)*\.twilio\.com(\/|$)/i;

/**
 * `https://api.twilio.com/2010-04-01/…` → `{base}/api/2010-04-01/…`. Regional and edge hosts
 * (`api.dublin.ie1.twilio.com`) keep only the product label.
 */
export function rewriteTwilioUrl(uri: string, apiBaseUrl: string): string {
  const match = TWILIO_HOST.exec(uri);
  if (!match) return uri;
  const base = apiBaseUrl.replace(/\/+$/, '');
  return `${base}/${match[1]!.toLowerCase()}${uri.slice(match[0].length - match[2]!.length)}`;
}
