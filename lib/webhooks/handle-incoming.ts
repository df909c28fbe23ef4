/**
 * Twilio's incoming-message webhook: check the signature, store the message once, then answer.
 * The answer comes only after the store has the message; any failure answers 5xx so Twilio
 * retries or calls the fallback URL instead of taking the message as delivered.
 */
import { maskPhone } from '../mask';
import { parseOptOutType } from '../opt-out';
import { StoreInProgressError, type MessageStore } from '../store/message-store';
import { parseIncoming } from './params';
import { plain, twiml, type WebhookReply } from './reply';
import type { SignedRequest } from './signature';
import { verifyWebhook } from './verify';

export interface WebhookDeps {
  store: MessageStore;
  authToken: string;
  log: (line: string) => void;
  logPii: boolean;
  now?: () => Date;
}

/**
 * Twilio waits 15 s for a webhook's answer. No Sync call starts later than this after the request
 * arrived; one already running may take one client timeout more (at most 5 s, function-env.ts),
 * so the answer, 5xx included, is out by 14 s. Without it, a slow Sync made the retries of each
 * step and the claim's release add up to 20 s and more, past Twilio's limit.
 */
export const WEBHOOK_BUDGET_MS = 9000;

export interface IncomingSettings {
  /** When set, Twilio texts this back to each new message (not to a replayed webhook). */
  autoReply?: string;
}

export async function handleIncoming(deps: WebhookDeps, request: SignedRequest, settings: IncomingSettings = {}): Promise<WebhookReply> {
  const parsed = verifyWebhook('incoming', deps, request, parseIncoming);
  if (!parsed.ok) return parsed.reply;
  const record = parsed.value;
  try {
    // With Advanced Opt-Out, Twilio says which keyword this was (its keywords are the account's).
    const optOutType = parseOptOutType(request.params.OptOutType);
    const outcome = await deps.store.until(Date.now() + WEBHOOK_BUDGET_MS).recordInbound(record, optOutType ? { optOutType } : {});
    deps.log(`incoming: ${outcome} ${record.sid} from ${maskPhone(record.from, deps)}`);
    return outcome === 'stored' && settings.autoReply ? twiml(settings.autoReply) : twiml();
  } catch (error) {
    if (error instanceof StoreInProgressError) {
      deps.log(`incoming: ${record.sid} is being stored by another request; answering 503`);
      return plain(503, 'This message is being stored by another request. Retry later.');
    }
    deps.log(`incoming: storing ${record.sid} failed, answering 500 so Twilio does not drop it: ${error instanceof Error ? error.message : String(error)}`);
    return plain(500, 'The message could not be stored. Retry later.');
  }
}
