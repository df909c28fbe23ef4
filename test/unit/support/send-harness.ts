/**
 * sendMessage with its dependencies as fakes (shared by send-sms-approval, send-path and
 * send-policy-order): a clock that moves only when told (sleep advances it), a ProcessSendGuard, and a
 * Twilio whose Messages API accepts every create unless told otherwise. A test may pass a real
 * store or a real twilio client (the emulator's) instead.
 */
import type { MessageStore } from '../../../lib/store/message-store';
import type { TwilioClient } from '../../../lib/twilio-client';
import type { ApprovalAnswer, ApprovalRequest, Approve } from '../../../mcp-bridge/src/server/approval';
import { type BridgeConfig, loadConfig } from '../../../mcp-bridge/src/hosts/env-config';
import { ProcessConfirmations } from '../../../lib/guard/confirmations';
import type { Logger } from '../../../mcp-bridge/src/hosts/stderr-logger';
import { ProcessSendGuard, type SendGuard } from '../../../lib/guard/send-guard';
import type { SendDeps } from '../../../mcp-bridge/src/server/send/send-message';
import type { TwilioMessage } from '../../../mcp-bridge/src/server/send/twilio-message';

export const OUR = '+15005550006';
export const TO = '+14155550100';
export const MESSAGING_SERVICE = `MG${'5'.repeat(32)}`;
export const T0 = Date.parse('2030-01-01T12:00:00Z');

export function configFrom(env: Record<string, string> = {}): BridgeConfig {
  const loaded = loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'secret', TWILIO_PHONE_NUMBER: OUR, ...env });
  if (!loaded.ok) throw new Error(loaded.error);
  return loaded.config;
}

/** The fields of a Twilio Message resource that sendMessage reads, and the lookup's direction. */
export type FakeMessage = TwilioMessage & { direction: string };

export interface SendHarnessOptions {
  env?: Record<string, string>;
  answer?: ApprovalAnswer | ((request: ApprovalRequest, timeoutMs: number) => Promise<ApprovalAnswer>);
  /** The status every create and status read answers; default delivered. */
  status?: string;
  /** Replaces the fake create (which answers one message, SM0001). */
  create?: (params: Record<string, unknown>) => Promise<FakeMessage>;
  /** What messages.list answers (the search after an ambiguous create); default none. */
  list?: (params: Record<string, unknown>) => Promise<FakeMessage[]>;
  /** The Messaging Service's phone numbers (Messaging API PhoneNumbers list); default [OUR]. */
  pool?: string[];
  /** A real client instead of the fake Messages API (create and list above then unused). */
  twilio?: TwilioClient;
  store?: MessageStore | null;
  guard?: SendGuard;
  /** The clock's start, ms since the epoch; default T0. */
  startAt?: number;
}

export function sendHarness(options: SendHarnessOptions = {}) {
  let now = options.startAt ?? T0;
  const logs: string[] = [];
  const log: Logger = { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`), phone: (v) => v, body: (v) => v };
  const guard = options.guard ?? new ProcessSendGuard({ duplicateWindowMs: 600_000, perMinute: 0, perRecipientPerMinute: 0 }, () => now);
  const reserve = jest.spyOn(guard, 'reserve');
  const confirmations = new ProcessConfirmations(() => now);
  const message = (sid: string, status: string): FakeMessage => ({ sid, status, errorCode: null, from: OUR, numSegments: '1', dateCreated: new Date(now), body: 'x', direction: 'outbound-api' });
  const create = jest.fn(options.create ?? (async (_params: Record<string, unknown>) => message('SM0001', options.status ?? 'delivered')));
  const list = jest.fn(options.list ?? (async (_params: Record<string, unknown>) => [] as FakeMessage[]));
  const fetch = jest.fn(async () => message('SM0001', options.status ?? 'delivered'));
  const messages = Object.assign((_sid: string) => ({ fetch }), { create, list });
  const poolList = jest.fn(async (_params: Record<string, unknown>) => (options.pool ?? [OUR]).map((phoneNumber) => ({ phoneNumber })));
  const messaging = { v1: { services: (_sid: string) => ({ phoneNumbers: { list: poolList } }) } };
  const answer = options.answer;
  const approve = answer === undefined ? undefined : jest.fn<ReturnType<Approve>, Parameters<Approve>>(typeof answer === 'function' ? answer : async () => answer);
  const store = options.store ?? null;
  const deps: SendDeps = {
    config: configFrom(options.env),
    log,
    guard,
    confirmations,
    twilio: async () => options.twilio ?? ({ messages, messaging } as unknown as TwilioClient),
    store: async () => store,
    sleep: async (ms) => {
      now += ms;
    },
    now: () => new Date(now),
    ...(approve ? { approve } : {}),
  };
  return { deps, approve, create, list, fetch, poolList, reserve, guard, confirmations, logs, advance: (ms: number) => (now += ms), now: () => now };
}
