/**
 * What every webhook checks before it reads a parameter: Twilio's signature (403), then that the
 * body is the form encoding Twilio signs (415), then the parameters themselves (400).
 */
import type { ParseResult } from './params';
import { isFormEncoded, NOT_FORM_ENCODED } from './params';
import { plain, type WebhookReply } from './reply';
import { isValidTwilioSignature, type SignedRequest } from './signature';

export function verifyWebhook<T>(
  route: string,
  deps: { authToken: string; log: (line: string) => void; now?: () => Date },
  request: SignedRequest,
  parse: (params: Record<string, string>, receivedAt: Date) => ParseResult<T>,
): { ok: true; value: T } | { ok: false; reply: WebhookReply } {
  if (!isValidTwilioSignature(deps.authToken, request)) {
    deps.log(`${route}: refused, ${request.signature ? 'invalid' : 'missing'} X-Twilio-Signature for ${request.url}`);
    return { ok: false, reply: plain(403, 'Forbidden: missing or invalid X-Twilio-Signature.') };
  }
  if (!isFormEncoded(request.contentType)) {
    deps.log(`${route}: refused, Content-Type ${JSON.stringify(request.contentType?.slice(0, 60))} is not form-encoded`);
    return { ok: false, reply: plain(415, NOT_FORM_ENCODED) };
  }
  const parsed = parse(request.params, (deps.now ?? (() => new Date()))());
  if (!parsed.ok) {
    deps.log(`${route}: refused, bad parameters (${parsed.error})`);
    return { ok: false, reply: plain(400, `Bad request: ${parsed.error}`) };
  }
  return { ok: true, value: parsed.value };
}
