/**
 * A human approves one text through the client: MCP elicitation (`elicitation/create`, spec
 * 2025-06-18), asked from inside the send_sms call. The model sees neither the question nor the
 * answer, so a prompt-injected model cannot approve its own text, as it can redeem a token of the
 * preview flow (confirmations.ts). Used only with SEND_CONFIRMATION=true, when the client declared
 * the capability (Claude Code, VS Code, Cursor; LibreChat only in its newest release).
 *
 * The question is a form with one required boolean, "Send this text" (APPROVAL_SCHEMA). Form mode
 * needs a schema with properties (spec 2025-11-25, elicitation: requestedSchema): VS Code draws an
 * empty one as a form whose Submit does nothing, so the call hung until its timeout
 * (PrefectHQ/fastmcp #3910). Only an accept whose content says `send: true` approves; an accept
 * with the box unticked, missing or malformed, a decline, closing the prompt and silence all mean
 * nothing is sent.
 */
import { describeSegments, type SegmentInfo } from '../../../lib/segments';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { type ClientCapabilities, type ElicitRequestFormParams, ErrorCode, McpError, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/** The exact message the human is asked about. */
export interface ApprovalRequest {
  to: string;
  /** Our number, when known before the create (a Messaging Service may pick it later). */
  from: string | undefined;
  /** `MG…` when a Messaging Service sends. */
  messagingServiceSid: string | undefined;
  body: string;
  mediaUrl: readonly string[];
  /** ISO 8601, when scheduled. */
  sendAt: string | undefined;
  /** What Twilio bills for the body (absent with media: one MMS). */
  segments?: SegmentInfo;
}

export type ApprovalAnswer =
  /** accepted: send; declined / cancelled (prompt closed, or the call cancelled) / timed-out: not sent. */
  | { kind: 'accepted' | 'declined' | 'cancelled' | 'timed-out' }
  /** The client did not declare form elicitation: the token flow applies. */
  | { kind: 'unavailable' }
  /** The client declared it but the request failed (an error answer, a broken connection): not sent. */
  | { kind: 'failed'; error: string };

/** The one field of the approval form; its key in the answer's content. */
export const APPROVAL_FIELD = 'send';

/** What the client draws: a checkbox, unticked until the human ticks it. */
export const APPROVAL_SCHEMA: ElicitRequestFormParams['requestedSchema'] = {
  type: 'object',
  properties: { [APPROVAL_FIELD]: { type: 'boolean', title: 'Send this text', description: 'Tick to send exactly this SMS.', default: false } },
  required: [APPROVAL_FIELD],
};

/** Asks the human; `timeoutMs` is all the time the call has for the answer (call-budget.ts). */
export type Approve = (request: ApprovalRequest, timeoutMs: number) => Promise<ApprovalAnswer>;

/** An empty `elicitation` capability means form mode (spec 2025-11-25; the SDK normalises it too). */
export function canElicitForm(capabilities: ClientCapabilities | undefined): boolean {
  const elicitation = capabilities?.elicitation;
  if (!elicitation) return false;
  return elicitation.form !== undefined || elicitation.url === undefined;
}

/**
 * What the human reads. The body is a JSON string, as everywhere the bridge shows one: a text
 * cannot end its quotes and fake a recipient line. Recipient and sender come first.
 */
export function approvalMessage(request: ApprovalRequest, timeoutMs: number): string {
  const sender = request.from ?? (request.messagingServiceSid ? `a number of Messaging Service ${request.messagingServiceSid}` : undefined);
  const lines = [
    'The assistant wants to send this SMS. Send it?',
    `To: ${request.to}`,
    ...(sender ? [`From: ${sender}`] : []),
    ...(request.sendAt !== undefined ? [`Scheduled for: ${new Date(request.sendAt).toISOString()} (UTC)`] : []),
    ...request.mediaUrl.map((url, i) => `Attachment ${i + 1}: ${url}`),
    `Text (${[...request.body].length} characters): ${JSON.stringify(request.body)}`,
    ...(request.segments ? [`Billed as ${describeSegments(request.segments)}`] : []),
    `Tick "Send this text" and accept to send exactly this; anything else sends nothing. Unanswered after ${Math.floor(timeoutMs / 1000)} s, nothing is sent.`,
  ];
  return lines.join('\n');
}

/** What the bridge uses of the SDK's server: the client's capabilities and elicitInput. */
export type ElicitingServer = Pick<Server, 'getClientCapabilities' | 'elicitInput'>;

/**
 * Approval through this client, for one tool call: the request goes with the call (on its
 * Streamable HTTP stream), ends when the call is cancelled, and waits at most `timeoutMs`
 * (the SDK then sends notifications/cancelled, so the client can close its prompt).
 */
export function clientApproval(server: ElicitingServer, call: { requestId: RequestId; signal: AbortSignal }): Approve {
  return async (request, timeoutMs) => {
    if (!canElicitForm(server.getClientCapabilities())) return { kind: 'unavailable' };
    if (timeoutMs <= 0) return { kind: 'timed-out' };
    try {
      const result = await server.elicitInput(
        { mode: 'form', message: approvalMessage(request, timeoutMs), requestedSchema: APPROVAL_SCHEMA },
        { relatedRequestId: call.requestId, signal: call.signal, timeout: timeoutMs },
      );
      // Only an explicit yes: accept with the box ticked. Accept without it is a no.
      if (result.action === 'accept') return { kind: result.content?.[APPROVAL_FIELD] === true ? 'accepted' : 'declined' };
      return { kind: result.action === 'decline' ? 'declined' : 'cancelled' };
    } catch (error) {
      // The SDK rejects both its own timeout and an abort with RequestTimeout; the signal tells them apart.
      if (call.signal.aborted) return { kind: 'cancelled' };
      // An accept whose content the SDK found not to match the form (the box missing or not a
      // boolean): not an explicit yes (SDK 1.32.2 Server.elicitInput validates it, InvalidParams).
      if (error instanceof McpError && error.code === ErrorCode.InvalidParams && /does not match requested schema/.test(error.message)) return { kind: 'declined' };
      if (error instanceof McpError && error.code === ErrorCode.RequestTimeout) return { kind: 'timed-out' };
      return { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
    }
  };
}
