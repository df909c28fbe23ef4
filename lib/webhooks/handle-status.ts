/**
 * Twilio's status callback for messages the bridge sent: check the signature, move the stored
 * status forward (never backwards: callbacks arrive out of order), answer.
 */
import { parseStatus } from './params';
import { plain, type WebhookReply } from './reply';
import type { SignedRequest } from './signature';
import { verifyWebhook } from './verify';
import { WEBHOOK_BUDGET_MS, type WebhookDeps } from './handle-incoming';

export async function handleStatus(deps: WebhookDeps, request: SignedRequest): Promise<WebhookReply> {
  const parsed = verifyWebhook('status', deps, request, parseStatus);
  if (!parsed.ok) return parsed.reply;
  try {
    const outcome = await deps.store.until(Date.now() + WEBHOOK_BUDGET_MS).applyStatus(parsed.value);
    deps.log(`status: ${parsed.value.sid} ${parsed.value.status} ${outcome}`);
    return plain(200, 'OK');
  } catch (error) {
    deps.log(`status: updating ${parsed.value.sid} failed: ${error instanceof Error ? error.message : String(error)}`);
    return plain(500, 'The status could not be stored. Retry later.');
  }
}
