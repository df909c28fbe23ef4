/**
 * Every tool the bridge offers; one file each.
 *
 * A model client re-sends every tool's name, description and input schema with each request
 * (bench/footprint.ts measures it; test/unit/server-tools.test.ts holds it to 2,400 bytes), so
 * descriptions are terse, each saying what the tool does, when to use it and what not to do. A
 * field is `.describe()`d only when its name, the tool's description and the result texts do not
 * already say what goes in it: each field description costs its words plus 17 bytes of JSON.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { BridgeDeps } from '../server/deps';
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
