/**
 * Twilio's incoming-message webhook: check the signature, store the message once, then answer.
 * The answer comes only after the store has the message; any failure answers 5xx so Twilio
 * retries or calls the fallback URL instead of taking the message as delivered.
 */
import { maskPhone } from '../mask';
import { StoreInProgressError, type MessageStore } from '../store/message-store';
import { parseIncoming } from './params';
import { plain, twiml, type WebhookReply } from './reply';
import { isValidTwilioSignature, type SignedRequest } from './signature';

export interface WebhookDeps {
  store: MessageStore;
  authToken: string;
  log: (line: string) => void;
  logPii: boolean;
  now?: () => Date;
}

export interface IncomingSettings {
  /** When set, Twilio texts this back to each new message (not to a replayed webhook). */
  autoReply?: string;
}

export async function handleIncoming(deps: WebhookDeps, request: SignedRequest, settings: IncomingSettings = {}): Promise<WebhookReply> {
  if (!isValidTwilioSignature(deps.authToken, request)) {
    deps.log(`incoming: refused, ${request.signature ? 'invalid' : 'missing'} X-Twilio-Signature for ${request.url}`);
    return plain(403, 'Forbidden: missing or invalid X-Twilio-Signature.');
  }
  const parsed = parseIncoming(request.params, (deps.now ?? (() => new Date()))());
  if (!parsed.ok) {
    deps.log(`incoming: refused, bad parameters (${parsed.error})`);
    return plain(400, `Bad request: ${parsed.error}`);
  }
  const record = parsed.value;
  try {
    const outcome = await deps.store.recordInbound(record);
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
