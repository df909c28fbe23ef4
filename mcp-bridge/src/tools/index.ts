/** Every tool the bridge offers; one file each. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { BridgeDeps } from '../deps';
import { registerCancelScheduledSms } from './cancel-scheduled-sms';
import { registerGetConversation } from './get-conversation';
import { registerGetMedia } from './get-media';
import { registerListConversations } from './list-conversations';
import { registerReceiveSms } from './receive-sms';
import { registerSendSms } from './send-sms';
import { registerWaitForReply } from './wait-for-reply';

export function registerTools(server: McpServer, deps: BridgeDeps): void {
  registerSendSms(server, deps);
  registerCancelScheduledSms(server, deps);
  registerReceiveSms(server, deps);
  registerListConversations(server, deps);
  registerGetConversation(server, deps);
  registerWaitForReply(server, deps);
  registerGetMedia(server, deps);
}
