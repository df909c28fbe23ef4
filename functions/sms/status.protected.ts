/**
 * POST /sms/status — status callbacks for messages the bridge sends (StatusCallback URL).
 *
 * Called by: Twilio, with X-Twilio-Signature, at each status change after the first.
 * Parameters: MessageSid, MessageStatus, ErrorCode, From, To, AccountSid, …
 * Answers: 200 once applied (a status never moves backwards); 403 bad signature; 400 bad
 * parameters; 500 when the store failed.
 */
import { functionHandler } from '../../lib/webhooks/function-adapter';
import { handleStatus } from '../../lib/webhooks/handle-status';

export const handler = functionHandler((deps, request) => handleStatus(deps, request));
