/**
 * How a host tracks whether a tool's result reached the client, for the give-back of
 * receive_sms (a result that never arrived leaves its messages new). A host that keeps the
 * connection past the answer sees a lost result (a late `notifications/cancelled`, a write that
 * failed) and tracks it with ResultDelivery (result-delivery.ts). A host that answers one request
 * and forgets it (a stateless Function) can see nothing after its answer: UNTRACKED.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ToolRequest, Undo } from './result-delivery';

export interface ResultTracking {
  /** The transport the server connects to, watched as far as the host can see. */
  wrap(transport: Transport): Transport;
  /** Runs `undo` once if the result of `request` is seen not to reach the client. */
  onUndelivered(request: ToolRequest, undo: Undo): void;
  /** Runs `confirm` once the result of `request` has been written to the client. */
  onDelivered(request: ToolRequest, confirm: Undo): void;
  /** Resolves when every undo started so far has ended. */
  settled(): Promise<void>;
}

/** Confirmations an untracked host started and has not seen end (settled() waits for them). */
const confirming = new Set<Promise<unknown>>();

/**
 * Nothing is tracked, so nothing is ever given back: no undo is kept for a cancellation that cannot
 * be seen. A result is taken as delivered once produced: its confirmation (receive_sms's handovers
 * recorded delivered, handover.ts) starts at once, and the host awaits settled() before it lets the
 * answer go (hosts/stateless.ts), since a Function may be frozen once it has answered; unconfirmed,
 * every handover would come back a second time at its deadline.
 */
export const UNTRACKED: ResultTracking = {
  wrap: (transport) => transport,
  onUndelivered: () => undefined,
  onDelivered: (_request, confirm) => {
    const running = confirm()
      .catch(() => undefined)
      .finally(() => confirming.delete(running));
    confirming.add(running);
  },
  settled: async () => {
    await Promise.all([...confirming]);
  },
};
