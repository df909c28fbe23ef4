/**
 * What a send takes and gives: its dependencies (built per scope in server/deps.ts), its outcome
 * as the tool reports it, and the progress callback the delivery wait calls.
 */
import type { SegmentInfo } from '../../../../lib/segments';
import type { Confirmations } from '../../../../lib/guard/confirmations';
import type { SendGuard } from '../../../../lib/guard/send-guard';
import type { MessageStore } from '../../../../lib/store/message-store';
import type { TwilioClient } from '../../../../lib/twilio-client';
import type { Channel } from '../../../../lib/whatsapp';
import type { Approve } from '../approval';
import type { BridgeConfig } from '../bridge-config';
import type { Logger } from '../logger';

export interface SendDeps {
  config: BridgeConfig;
  log: Logger;
  guard: SendGuard;
  confirmations: Confirmations;
  twilio: () => Promise<TwilioClient>;
  store: () => Promise<MessageStore | null>;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => Date;
  /**
   * Confirmation mode: asks the human through the client (approval.ts), built per call by the
   * tool handler. Absent, or answering 'unavailable', the preview-and-token flow applies.
   */
  approve?: Approve;
}

export type SendOutcomeKind = 'sent' | 'scheduled' | 'failed' | 'refused' | 'unknown' | 'already_sent' | 'needs_confirmation' | 'declined';

export interface SendOutcome {
  outcome: SendOutcomeKind;
  to: string;
  /** SMS, or WhatsApp (a whatsapp:+E.164 recipient); absent before the recipient was checked. */
  channel?: Channel;
  sid: string | null;
  status: string | null;
  errorCode: number | null;
  /** Plain words: why it failed or was refused, and what to do. */
  reason: string | null;
  conversationId: string | null;
  /** Set when the message went out but could not be written to the conversation thread. */
  warning: string | null;
  /** Confirmation mode: the token a second call must carry to send this exact message. */
  confirmationToken?: string;
  /** Scheduling: when Twilio will send it. */
  sendAt?: string;
  /** How many segments Twilio bills for the body, and why (lib/segments.ts); absent with media (MMS) or before the body was checked. */
  segments?: SegmentInfo;
}

export type Progress = (message: string, progress: number, total?: number) => Promise<void>;
