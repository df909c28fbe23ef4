/**
 * The outbound message lifecycle: every `deliveryStepMs` a message moves one step,
 * (accepted →) queued → sending → sent → delivered, or stops at sent, or ends undelivered /
 * failed, per setDeliveryOutcome(to). Every change after the initial status posts a signed status
 * callback; callbacks for one message go out in order, and a failed one is logged, not retried.
 */
import { deliveryErrorMessage, type MessageRecord, type MessageLog } from './messages';
import type { MessagingServiceRegistry } from './messaging-services';
import type { EmulatorContext } from './state';
import type { DeliveryOutcome, MessageStatus } from './types';
import { isWhatsApp, WHATSAPP_PREFIX } from './whatsapp';

interface Step {
  status: MessageStatus;
  errorCode?: number;
}

const DEFAULT_OUTCOME: DeliveryOutcome = { status: 'delivered' };

export function validateOutcome(outcome: DeliveryOutcome): void {
  if (outcome.status === 'delivered' || outcome.status === 'sent') return;
  if (outcome.status === 'undelivered' || outcome.status === 'failed') {
    if (!Number.isInteger(outcome.errorCode)) throw new Error(`A ${outcome.status} outcome needs an integer errorCode (e.g. 30003)`);
    return;
  }
  throw new Error(`Unknown delivery outcome ${String((outcome as { status: unknown }).status)}`);
}

export class DeliverySimulator {
  private readonly outcomes = new Map<string, DeliveryOutcome>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Scheduled messages not yet released: their SendAt (emulator clock, ms). */
  private readonly scheduled = new Map<string, { record: MessageRecord; sendAt: number }>();
  private readonly callbackChains = new Map<string, Promise<void>>();
  /** WhatsApp messages Twilio fails after the create (whatsapp.ts), by sid: the code. */
  private readonly channelFailures = new Map<string, number>();

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly store: MessageLog,
    private readonly services: MessagingServiceRegistry,
  ) {}

  /** Applies to messages to `to` from their next step on. */
  setOutcome(to: string, outcome: DeliveryOutcome): void {
    validateOutcome(outcome);
    this.outcomes.set(to, outcome);
  }

  /** Starts a new outbound message's lifecycle; its initial status gets no callback. */
  start(record: MessageRecord, channelFailure: number | null = null): void {
    if (channelFailure !== null) this.channelFailures.set(record.sid, channelFailure);
    this.scheduleStep(record, this.ctx.options.deliveryStepMs);
  }

  /** A scheduled message is queued at its SendAt, then proceeds like any other. */
  scheduleSend(record: MessageRecord, sendAt: number, channelFailure: number | null = null): void {
    if (channelFailure !== null) this.channelFailures.set(record.sid, channelFailure);
    this.schedule(record, sendAt - this.ctx.clock.now(), () => this.release(record));
    this.scheduled.set(record.sid, { record, sendAt });
  }

  /**
   * Releases every scheduled message whose SendAt the emulator's clock has reached: advanceTime
   * calls it, so a test need not wait the five minutes Twilio requires ahead (35115). Earliest
   * first, as the timers would have.
   */
  releaseDue(): void {
    const now = this.ctx.clock.now();
    const due = [...this.scheduled.values()].filter((entry) => entry.sendAt <= now).sort((a, b) => a.sendAt - b.sendAt);
    for (const { record } of due) {
      this.stop(record);
      if (this.store.get(record.sid) === record) this.release(record);
    }
  }

  private release(record: MessageRecord): void {
    this.scheduled.delete(record.sid);
    this.apply(record, { status: 'queued' });
    this.scheduleStep(record, this.ctx.options.deliveryStepMs);
  }

  /** Stops the lifecycle (canceled or deleted message). */
  stop(record: MessageRecord): void {
    this.ctx.timers.clear(this.pending.get(record.sid));
    this.pending.delete(record.sid);
    this.scheduled.delete(record.sid);
  }

  /** Posts the status callback for the record's current status, after any earlier ones. */
  notify(record: MessageRecord): void {
    const service = record.messagingServiceSid ? this.services.get(record.messagingServiceSid) : undefined;
    const url = record.statusCallback ?? service?.statusCallback;
    if (!url) return;
    const params: Record<string, string> = {
      MessageSid: record.sid,
      SmsSid: record.sid,
      AccountSid: this.ctx.options.accountSid,
      From: record.from ?? '',
      To: record.to,
      MessageStatus: record.status,
      SmsStatus: record.status,
      ApiVersion: '2010-04-01',
    };
    if (record.errorCode !== null) params.ErrorCode = String(record.errorCode);
    if (record.messagingServiceSid) params.MessagingServiceSid = record.messagingServiceSid;
    const token = `${this.ctx.newSid('')}-${record.sid}-${record.status}`;
    const previous = this.callbackChains.get(record.sid) ?? Promise.resolve();
    const next = previous.then(async () => {
      const attempt = await this.ctx.webhooks.send({
        url,
        method: 'POST',
        params,
        headers: { 'I-Twilio-Idempotency-Token': token },
      });
      const ok = attempt.status !== null && attempt.status >= 200 && attempt.status < 300;
      this.ctx.log(
        `status callback ${record.sid} ${params.MessageStatus} → ${url}: ${attempt.status ?? attempt.error ?? 'failed'}${ok ? '' : ' (not retried)'}`,
      );
    });
    this.callbackChains.set(record.sid, next);
    void next.then(() => {
      if (this.callbackChains.get(record.sid) === next) this.callbackChains.delete(record.sid);
    });
  }

  /** Resolves when every status callback queued so far has been answered (or has failed). */
  async idle(): Promise<void> {
    while (this.callbackChains.size > 0) await Promise.all([...this.callbackChains.values()]);
  }

  private schedule(record: MessageRecord, delayMs: number, fn: () => void): void {
    this.stop(record);
    const handle = this.ctx.timers.set(() => {
      this.pending.delete(record.sid);
      if (this.store.get(record.sid) !== record) return; // deleted meanwhile
      fn();
    }, delayMs);
    this.pending.set(record.sid, handle);
  }

  private scheduleStep(record: MessageRecord, delayMs: number): void {
    this.schedule(record, delayMs, () => {
      const step = this.nextStep(record);
      if (!step) return;
      this.apply(record, step);
      this.scheduleStep(record, this.ctx.options.deliveryStepMs);
    });
  }

  private nextStep(record: MessageRecord): Step | null {
    const outcome = this.outcomes.get(record.to) ?? DEFAULT_OUTCOME;
    switch (record.status) {
      case 'accepted':
        return { status: 'queued' };
      case 'queued':
        return { status: 'sending' };
      case 'sending': {
        const channelFailure = this.channelFailures.get(record.sid);
        if (channelFailure !== undefined) return { status: 'failed', errorCode: channelFailure };
        return outcome.status === 'failed' ? { status: 'failed', errorCode: outcome.errorCode } : { status: 'sent' };
      }
      case 'sent':
        if (outcome.status === 'delivered') return { status: 'delivered' };
        if (outcome.status === 'sent') return null;
        return { status: outcome.status, errorCode: outcome.errorCode };
      case 'delivered':
        // WhatsApp reports when the user read it.
        return isWhatsApp(record.to) ? { status: 'read' } : null;
      default:
        return null;
    }
  }

  private apply(record: MessageRecord, step: Step): void {
    const now = this.ctx.clock.now();
    if (step.status === 'queued' && record.from === null && record.messagingServiceSid) {
      // A Messaging Service picks its sender when the message leaves 'accepted'.
      const sender = this.services.get(record.messagingServiceSid)?.phoneNumbers[0];
      if (sender) record.from = isWhatsApp(record.to) ? `${WHATSAPP_PREFIX}${sender}` : sender;
      else step = { status: 'failed', errorCode: 21704 };
    }
    record.status = step.status;
    record.dateUpdated = now;
    if (step.status === 'sent') record.dateSent = now;
    if (step.errorCode !== undefined) {
      record.errorCode = step.errorCode;
      record.errorMessage = deliveryErrorMessage(step.errorCode);
    }
    this.ctx.log(`message ${record.sid} → ${record.status}${record.errorCode ? ` (${record.errorCode})` : ''}`);
    this.notify(record);
  }
}
