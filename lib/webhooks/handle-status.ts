/**
 * Twilio's status callback for messages the bridge sent: check the signature, move the stored
 * status forward (never backwards: callbacks arrive out of order), answer.
 */
import { isFormEncoded, NOT_FORM_ENCODED, parseStatus } from './params';
import { plain, type WebhookReply } from './reply';
import { isValidTwilioSignature, type SignedRequest } from './signature';
import { WEBHOOK_BUDGET_MS, type WebhookDeps } from './handle-incoming';

export async function handleStatus(deps: WebhookDeps, request: SignedRequest): Promise<WebhookReply> {
  if (!isValidTwilioSignature(deps.authToken, request)) {
    deps.log(`status: refused, ${request.signature ? 'invalid' : 'missing'} X-Twilio-Signature for ${request.url}`);
    return plain(403, 'Forbidden: missing or invalid X-Twilio-Signature.');
  }
  if (!isFormEncoded(request.contentType)) {
    deps.log(`status: refused, Content-Type ${JSON.stringify(request.contentType?.slice(0, 60))} is not form-encoded`);
    return plain(415, NOT_FORM_ENCODED);
  }
  const parsed = parseStatus(request.params, (deps.now ?? (() => new Date()))());
  if (!parsed.ok) {
    deps.log(`status: refused, bad parameters (${parsed.error})`);
    return plain(400, `Bad request: ${parsed.error}`);
  }
  try {
    const outcome = await deps.store.until(Date.now() + WEBHOOK_BUDGET_MS).applyStatus(parsed.value);
    deps.log(`status: ${parsed.value.sid} ${parsed.value.status} ${outcome}`);
    return plain(200, 'OK');
  } catch (error) {
    deps.log(`status: updating ${parsed.value.sid} failed: ${error instanceof Error ? error.message : String(error)}`);
    return plain(500, 'The status could not be stored. Retry later.');
  }
}
