/**
 * Whether a tool's result reached the client, so that no message is marked processed for a call
 * whose result the model never saw. Three ways a result is lost, all seen with LibreChat:
 * - the client cancels the request (its timeout fired: `notifications/cancelled`) while the tool
 *   runs, and the SDK then drops the result;
 * - the transport cannot write the answer (the client went away);
 * - the client's timer fires just as the answer is written: the client has already given up, and
 *   its `notifications/cancelled` arrives for a request that was answered. A client cancels only
 *   a request it has no answer for, so that cancellation means the answer was not taken.
 * A tool registers an undo for its request; it runs once if any of these happens within the
 * client's timeout, and is forgotten after. It may also register what to do once its answer has
 * been written (onDelivered: receive_sms records its handovers delivered, handover.ts); a
 * cancellation that comes after that still runs the undo.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CancelledNotificationSchema, isJSONRPCErrorResponse, isJSONRPCResultResponse, type JSONRPCMessage, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';

export type Undo = () => Promise<unknown>;

export interface ToolRequest {
  requestId: RequestId;
  signal: AbortSignal;
}

export class ResultDelivery {
  /** Per request, the undos still armed: receive_sms registers one per conversation it took from. */
  private readonly undos = new Map<RequestId, Set<(why: string) => void>>();

  /** Per request, what runs once its answer has been written. */
  private readonly confirms = new Map<RequestId, Undo[]>();

  /** Undos running now, so that a shutdown can wait for them. */
  private readonly running = new Set<Promise<unknown>>();

  /**
   * `keepMs`: how long after registering a cancellation can still come (the client's timeout).
   * `onUndo` runs the undo (and logs); what it returns is waited for by `settled`.
   */
  constructor(private readonly options: { keepMs: number; onUndo: (why: string, run: Undo) => Promise<unknown> | void }) {}

  /** Resolves when every undo started so far has ended. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** Runs `undo` once if the result of `request` does not reach the client. */
  onUndelivered(request: ToolRequest, undo: Undo): void {
    const { requestId } = request;
    const armed = this.undos.get(requestId) ?? new Set();
    const forget = () => {
      clearTimeout(timer);
      armed.delete(fire);
      if (armed.size === 0 && this.undos.get(requestId) === armed) this.undos.delete(requestId);
    };
    const fire = (why = 'the request was cancelled') => {
      if (!armed.has(fire)) return;
      forget();
      this.track(Promise.resolve(this.options.onUndo(why, undo)));
    };
    const timer = setTimeout(forget, this.options.keepMs);
    timer.unref();
    armed.add(fire);
    this.undos.set(requestId, armed);
    if (request.signal.aborted) return fire();
    request.signal.addEventListener('abort', () => fire(), { once: true });
  }

  /**
   * Runs `confirm` once the answer of `request` has been written to the client's transport (never
   * when it is cancelled first or cannot be written). What it returns is waited for by `settled`.
   */
  onDelivered(request: ToolRequest, confirm: Undo): void {
    const list = this.confirms.get(request.requestId) ?? [];
    list.push(confirm);
    this.confirms.set(request.requestId, list);
    // A cancelled request's answer is never written: forget its confirms with it.
    const drop = () => {
      if (this.confirms.get(request.requestId) === list) this.confirms.delete(request.requestId);
    };
    if (request.signal.aborted) drop();
    else request.signal.addEventListener('abort', drop, { once: true });
  }

  private track(done: Promise<unknown>): void {
    const settled = done.catch(() => undefined);
    this.running.add(settled);
    void settled.finally(() => this.running.delete(settled));
  }

  /** The transport the server connects to, watched for lost answers and late cancellations. */
  wrap(inner: Transport): Transport {
    return new WatchedTransport(
      inner,
      (id, why) => {
        this.confirms.delete(id);
        for (const fire of [...(this.undos.get(id) ?? [])]) fire(why);
      },
      (id) => {
        const list = this.confirms.get(id);
        this.confirms.delete(id);
        for (const confirm of list ?? []) this.track(confirm());
      },
    );
  }
}

/**
 * What the SDK sees instead of request id 0. SDK 1.32.2 ignores a cancellation of id 0
 * (`Protocol._oncancel`: `if (!notification.params.requestId) return`): the call's signal never
 * aborts, so a first call's approval prompt would stay open and a late "yes" would still send.
 * Inbound, id 0 (a request's, a cancellation's) becomes this; outbound, this becomes 0 again (the
 * answer's id, the related request an HTTP transport routes by). test/unit/first-request-id.test.ts
 */
export const REQUEST_ID_ZERO_ALIAS = 'twilio-sms-mcp:request-0';

function aliasedIn(message: JSONRPCMessage): JSONRPCMessage {
  if ('method' in message && 'id' in message && message.id === 0) return { ...message, id: REQUEST_ID_ZERO_ALIAS };
  const cancelled = CancelledNotificationSchema.safeParse(message);
  if (cancelled.success && cancelled.data.params.requestId === 0) return { ...message, params: { ...cancelled.data.params, requestId: REQUEST_ID_ZERO_ALIAS } } as JSONRPCMessage;
  return message;
}

function aliasedOut(message: JSONRPCMessage): JSONRPCMessage {
  if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id === REQUEST_ID_ZERO_ALIAS) return { ...message, id: 0 };
  return message;
}

class WatchedTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  constructor(
    private readonly inner: Transport,
    private readonly lost: (id: RequestId, why: string) => void,
    private readonly delivered: (id: RequestId) => void,
  ) {
    inner.onclose = () => this.onclose?.();
    inner.onerror = (error) => this.onerror?.(error);
    inner.onmessage = (received, extra) => {
      const message = aliasedIn(received);
      const cancelled = CancelledNotificationSchema.safeParse(message);
      if (cancelled.success && cancelled.data.params.requestId !== undefined) this.lost(cancelled.data.params.requestId, 'the client cancelled it');
      this.onmessage?.(message, extra);
    };
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.inner.setProtocolVersion?.(version);
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const related = options?.relatedRequestId === REQUEST_ID_ZERO_ALIAS ? { ...options, relatedRequestId: 0 } : options;
    // The delivery record starts in the same tick as the answer's write, not after it resolves:
    // a process killed between the two hands those messages over again (handover.ts), so the gap
    // is kept as short as the event loop allows. An answer that then cannot be written is lost()
    // below, whose undo gives the handover back (recorded or not).
    if (isJSONRPCResultResponse(message)) this.delivered(message.id);
    try {
      await this.inner.send(aliasedOut(message), related);
    } catch (error) {
      const answered = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? message.id : undefined;
      if (answered !== undefined) this.lost(answered, 'its answer could not be written');
      throw error;
    }
  }
}
