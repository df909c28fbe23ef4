/**
 * Twilio signs every webhook with the account's auth token over the exact URL it called and the
 * POST parameters (X-Twilio-Signature). Deployed protected Functions are checked by Twilio's
 * gateway too, but `twilio-run start` checks nothing, so the Functions check it themselves.
 */
import twilio from 'twilio';

export interface SignedRequest {
  /** The full URL Twilio called, scheme and host included, as configured in the Console. */
  url: string;
  /** The POST parameters Twilio sent. */
  params: Record<string, string>;
  signature: string | undefined;
  /** The request's Content-Type header, when it had one (not signed; see isFormEncoded). */
  contentType?: string;
}

export function isValidTwilioSignature(authToken: string, request: SignedRequest): boolean {
  if (!request.signature || !authToken) return false;
  return twilio.validateRequest(authToken, request.signature, request.url, request.params);
}

/**
 * The URL Twilio called. Behind a custom domain or proxy the Function cannot see it, so
 * WEBHOOK_BASE_URL (e.g. https://sms.example.com) overrides the Function's own domain.
 * twilio-run serves plain http on localhost; deployed Functions are https only.
 */
export function webhookUrl(options: { baseUrl?: string; domainName?: string; path: string }): string {
  if (options.baseUrl) return `${options.baseUrl.replace(/\/+$/, '')}${options.path}`;
  const domain = options.domainName ?? 'localhost';
  const scheme = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(domain) ? 'http' : 'https';
  return `${scheme}://${domain}${options.path}`;
}
