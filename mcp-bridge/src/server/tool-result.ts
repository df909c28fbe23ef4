/**
 * Tool results: text for the model, the same facts as `structuredContent` for programs. Expected
 * failures are results with `isError: true` and a hint; unexpected ones throw (the SDK reports them).
 * The checks every reading tool starts with (scope, store, conversation id) refuse through them.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isConversationId } from '../../../lib/conversation-id';
import type { MessageStore } from '../../../lib/store/message-store';
import { UnknownConversationError } from '../../../lib/store/message-store';
import { DeadlinePassedError } from '../../../lib/store/sync-gateway';
import { describeFailure, isNoAnswer, readFailure } from '../../../lib/twilio-errors';
import { callBudget } from './call-budget';
import type { BridgeDeps } from './deps';

export function ok(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

export function fail(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
}

/** Thrown inside a tool for an expected failure; `handled` turns it into an error result. */
export class ToolInputError extends Error {}

export async function handled(run: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ToolInputError || error instanceof UnknownConversationError) return fail(error.message);
    // The call's time ran out (call-budget.ts) before Sync answered: say so while the client still listens.
    if (error instanceof DeadlinePassedError) return fail('Twilio Sync answered too slowly to finish before the client gives up; nothing new was handed over. Try again in a moment.');
    // Twilio (Sync) failing after the store's own retries is expected too: say what and what to do.
    if (readFailure(error).status !== null || isNoAnswer(error)) return fail(`Twilio Sync could not be read: ${describeFailure(error)} Try again in a moment.`);
    throw error;
  }
}

/** This user's numbers, or the refusal that says why there are none (user-scope.ts). */
export function requireScope(deps: BridgeDeps): { numbers: string[] | null } {
  const { scope } = deps.config;
  if (!scope.ok) throw new ToolInputError(scope.reason);
  return scope;
}

/** The store for this call, every Sync call bounded to end before the client gives up. */
export async function requireStore(deps: BridgeDeps): Promise<MessageStore> {
  requireScope(deps);
  const store = await deps.store();
  if (!store) {
    throw new ToolInputError('Reading messages needs the Sync service that stores them: set TWILIO_SYNC_SERVICE_SID (IS…) in the MCP server env and restart it. Sending works without it.');
  }
  return store.until(callBudget(deps.config.clientTimeoutSeconds, deps.now().getTime()).answerBy);
}

export function requireConversationId(value: string): string {
  const id = value.trim();
  if (!isConversationId(id)) {
    throw new ToolInputError(`"${value.slice(0, 60)}" is not a conversation id (they look like conv_0123456789abcdef). Use an id from list_conversations.`);
  }
  return id;
}
