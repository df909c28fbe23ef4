/**
 * POST /sms/incoming — Twilio's incoming-message webhook (set as the phone number's SMS URL).
 *
 * Called by: Twilio, with X-Twilio-Signature, for every SMS/MMS to our number.
 * Parameters: Twilio's standard set (MessageSid, From, To, Body, NumMedia, MediaUrl{i}, …).
 * Answers: 200 empty TwiML once the message is stored (or was already stored); TwiML with a
 * <Message> when AUTO_REPLY_TEXT is set; 403 bad signature; 400 bad parameters; 5xx when the
 * store failed, so Twilio retries or falls back rather than losing the message.
 */
import { functionHandler } from '../../lib/webhooks/function-adapter';
import { handleIncoming } from '../../lib/webhooks/handle-incoming';

export const handler = functionHandler((deps, request, env) => handleIncoming(deps, request, { autoReply: env.AUTO_REPLY_TEXT }));
