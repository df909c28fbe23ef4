/**
 * Twilio's status callback for messages the bridge sent: check the signature, move the stored
 * status forward (never backwards: callbacks arrive out of order), answer.
 */
import { parseStatus } from './params';
import { plain, type WebhookReply } from './reply';
import { isValidTwilioSignature, type SignedRequest } from './signature';
import type { WebhookDeps } from './handle-incoming';

export async function handleStatus(deps: WebhookDeps, request: SignedRequest): Promise<WebhookReply> {
  if (!isValidTwilioSignature(deps.authToken, request)) {
    deps.log(`status: refused, ${request.signature ? 'invalid' : 'missing'} X-Twilio-Signature for ${request.url}`);
    return plain(403, 'Forbidden: missing or invalid X-Twilio-Signature.');
  }
  const parsed = parseStatus(request.params, (deps.now ?? (() => new Date()))());
  if (!parsed.ok) {
    deps.log(`status: refused, bad parameters (${parsed.error})`);
    return plain(400, `Bad request: ${parsed.error}`);
  }
  try {
    const outcome = await deps.store.applyStatus(parsed.value);
    deps.log(`status: ${parsed.value.sid} ${parsed.value.status} ${outcome}`);
    return plain(200, 'OK');
  } catch (error) {
    deps.log(`status: updating ${parsed.value.sid} failed: ${error instanceof Error ? error.message : String(error)}`);
    return plain(500, 'The status could not be stored. Retry later.');
  }
}
