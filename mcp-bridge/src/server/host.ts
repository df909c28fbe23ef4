/**
 * What the host running the core decides, and the core assumes none of: a long-lived process
 * (stdio, the HTTP service: hosts/process-host.ts) answers each differently from a stateless host
 * that serves one request per instance (the next one: a Twilio Function hosting /mcp).
 */
import type { TwilioClient } from '../../../lib/twilio-client';

export interface Host {
  /** The Twilio client, made by the host on first use (initialize and tools/list need none of it). */
  twilio: () => Promise<TwilioClient>;
  /**
   * Whether the send guard and confirmation tokens may live in this process's memory when there is
   * no Sync service. A long-lived process may (it guards its own sends); a stateless host must not,
   * since it would forget every send between requests: createShared then refuses to start.
   */
  processLocalGuard: boolean;
  /**
   * Whether resources/subscribe runs: a watch polls the store and notifies over an open stream,
   * which needs a connection that outlives its requests. Without it the resources still list and read.
   */
  subscriptions: boolean;
  /**
   * How results are tracked for give-back (result-tracking.ts): 'give-back' where the host sees a
   * result fail to reach the client after its call (a late cancellation, a failed write), so a lost
   * receive leaves its messages new; 'none' where nothing after the answer can be seen.
   */
  resultTracking: 'give-back' | 'none';
}
