/**
 * HTTP Basic authentication as Twilio does it: the account SID with its auth token, or an API key
 * SID with its secret. Anything else is 401 / 20003.
 */
import { timingSafeEqual } from 'node:crypto';

export interface Credentials {
  accountSid: string;
  authToken: string;
  apiKey: string;
  apiSecret: string;
}

/** Which credential authenticated a request (standard API keys cannot fetch the Account). */
export type Principal = 'authToken' | 'apiKey';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function authenticate(header: string | undefined, credentials: Credentials): Principal | null {
  const match = header ? /^Basic\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (username === credentials.accountSid && sameSecret(password, credentials.authToken)) return 'authToken';
  if (username === credentials.apiKey && sameSecret(password, credentials.apiSecret)) return 'apiKey';
  return null;
}
