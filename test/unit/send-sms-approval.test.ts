/**
 * sendSms in confirmation mode with a client that can ask its user (deps.approve), with fakes:
 * every answer, the order (policy first, then the human, then the guard and the create), a
 * model's token never standing in for the human, the clients without elicitation keeping the
 * token flow, and the time the human takes counting against the call's budget.
 */
import type { TwilioClient } from '../../lib/twilio-client';
import type { ApprovalAnswer, ApprovalRequest, Approve } from '../../mcp-bridge/src/approval';
import { type BridgeConfig, loadConfig } from '../../mcp-bridge/src/config';
import { MemoryConfirmations } from '../../mcp-bridge/src/confirmations';
import type { Logger } from '../../mcp-bridge/src/logger';
import { MemoryGuard } from '../../mcp-bridge/src/send-guard';
import type { SendInput } from '../../mcp-bridge/src/send-input';
import { type SendDeps, sendSms } from '../../mcp-bridge/src/send-sms';
import { sendResultText } from '../../mcp-bridge/src/tools/send-sms';

const OUR = '+15005550006';
const TO = '+14155550100';
const MESSAGING_SERVICE = `MG${'5'.repeat(32)}`;
const T0 = Date.parse('2030-01-01T12:00:00Z');

function configFrom(env: Record<string, string> = {}): BridgeConfig {
  const loaded = loadConfig({ TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'secret', TWILIO_PHONE_NUMBER: OUR, SEND_CONFIRMATION: 'true', ...env });
  if (!loaded.ok) throw new Error(loaded.error);
  return loaded.config;
}

/** A bridge without Sync, a clock that moves only when told, and a Twilio that accepts every create. */
function harness(options: { env?: Record<string, string>; answer?: ApprovalAnswer | ((request: ApprovalRequest, timeoutMs: number) => Promise<ApprovalAnswer>); status?: string } = {}) {
  let now = T0;
  const logs: string[] = [];
  const log: Logger = { info: (m) => logs.push(`info ${m}`), warn: (m) => logs.push(`warn ${m}`), error: (m) => logs.push(`error ${m}`), phone: (v) => v, body: (v) => v };
  const guard = new MemoryGuard({ duplicateWindowMs: 600_000, perMinute: 0, perRecipientPerMinute: 0 }, () => now);
  const reserve = jest.spyOn(guard, 'reserve');
  const confirmations = new MemoryConfirmations(() => now);
  const message = (sid: string, status: string) => ({ sid, status, errorCode: null, from: OUR, numSegments: '1', dateCreated: new Date(now), body: 'x' });
  const create = jest.fn(async (_params: Record<string, unknown>) => message('SM0001', options.status ?? 'delivered'));
  const fetch = jest.fn(async () => message('SM0001', options.status ?? 'delivered'));
  const messages = Object.assign((_sid: string) => ({ fetch }), { create, list: async () => [] });
  const answer = options.answer;
  const approve = answer === undefined ? undefined : jest.fn<ReturnType<Approve>, Parameters<Approve>>(typeof answer === 'function' ? answer : async () => answer);
  const deps: SendDeps = {
    config: configFrom(options.env),
    log,
    guard,
    confirmations,
    twilio: async () => ({ messages }) as unknown as TwilioClient,
    store: async () => null,
    sleep: async (ms) => {
      now += ms;
    },
    now: () => new Date(now),
    ...(approve ? { approve } : {}),
  };
  return { deps, approve, create, reserve, confirmations, logs, advance: (ms: number) => (now += ms), now: () => now };
}

const MESSAGE: SendInput = { to: TO, body: 'Your appointment is confirmed.' };

describe('with a client that asks its user', () => {
  test('accept: sent once, and the human was asked about the exact message, with the time the call has left', async () => {
    const h = harness({ answer: { kind: 'accepted' } });
    const result = await sendSms(h.deps, { ...MESSAGE, mediaUrl: ['https://example.com/a.jpg'] });
    expect(result).toMatchObject({ outcome: 'sent', sid: 'SM0001' });
    expect(h.create).toHaveBeenCalledTimes(1);
    // CLIENT_TIMEOUT_SECONDS 60: the answer must come 10 s before it (call-budget.ts).
    expect(h.approve).toHaveBeenCalledWith({ to: TO, from: OUR, messagingServiceSid: undefined, body: MESSAGE.body, mediaUrl: ['https://example.com/a.jpg'], sendAt: undefined }, 50_000);
  });

  test.each<[string, ApprovalAnswer, RegExp]>([
    ['decline', { kind: 'declined' }, /^\[FINAL\] Not sent: The user declined this message when asked to approve it\. Nothing was sent to \+14155550100\. Do not retry or resend it/],
    ['cancel', { kind: 'cancelled' }, /^\[FINAL\] Not sent: The user closed the approval prompt without approving this message\. Nothing was sent/],
    ['no answer in time', { kind: 'timed-out' }, /^\[FINAL\] Not sent: No answer from the user in time: the approval prompt waits at most 50 s/],
  ])('%s: not sent, never reserved, outcome declined', async (_label, answer, text) => {
    const h = harness({ answer });
    const result = await sendSms(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'declined', sid: null, status: null });
    expect(result.confirmationToken).toBeUndefined();
    expect(sendResultText(result)).toMatch(text);
    expect(h.reserve).not.toHaveBeenCalled();
    expect(h.create).not.toHaveBeenCalled();
  });

  test('the prompt failed: refused, saying why, nothing sent', async () => {
    const h = harness({ answer: { kind: 'failed', error: 'Method not found.' } });
    const result = await sendSms(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'refused', reason: "The user could not be asked to approve it: the client's approval prompt failed (Method not found)." });
    expect(h.create).not.toHaveBeenCalled();
  });

  test('a token the model passes is not used: the human is still asked, and their no stands', async () => {
    const h = harness({ answer: { kind: 'declined' } });
    const token = await h.confirmations.issue(TO, MESSAGE.body, []);
    const result = await sendSms(h.deps, { ...MESSAGE, confirmationToken: token });
    expect(result.outcome).toBe('declined');
    expect(h.approve).toHaveBeenCalledTimes(1);
    expect(h.create).not.toHaveBeenCalled();
    expect(h.logs).toContain('warn confirmationToken ignored: this client asks the user to approve each text');
  });

  test('a policy refusal comes first: the human is not asked about a text that would be refused', async () => {
    const h = harness({ env: { SEND_ALLOWLIST: '+14155550199' }, answer: { kind: 'accepted' } });
    const result = await sendSms(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('allowlist') });
    expect(h.approve).not.toHaveBeenCalled();
  });

  test('bad input comes first too', async () => {
    const h = harness({ answer: { kind: 'accepted' } });
    expect((await sendSms(h.deps, { to: 'nobody', body: 'hi' })).outcome).toBe('refused');
    expect(h.approve).not.toHaveBeenCalled();
  });

  test('without SEND_CONFIRMATION nobody is asked', async () => {
    const h = harness({ env: { SEND_CONFIRMATION: 'false' }, answer: { kind: 'declined' } });
    expect((await sendSms(h.deps, MESSAGE)).outcome).toBe('sent');
    expect(h.approve).not.toHaveBeenCalled();
  });

  test('the guard still applies after an accept: an approved duplicate is not sent twice', async () => {
    const h = harness({ answer: { kind: 'accepted' } });
    expect((await sendSms(h.deps, MESSAGE)).outcome).toBe('sent');
    expect((await sendSms(h.deps, MESSAGE)).outcome).toBe('already_sent');
    expect(h.create).toHaveBeenCalledTimes(1);
  });

  test('a scheduled text through a Messaging Service: the human sees the service and the time', async () => {
    const h = harness({ env: { TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE }, answer: { kind: 'accepted' } });
    const sendAt = new Date(T0 + 3_600_000).toISOString();
    const result = await sendSms(h.deps, { ...MESSAGE, sendAt });
    expect(result).toMatchObject({ outcome: 'scheduled', sendAt });
    expect(h.approve).toHaveBeenCalledWith(expect.objectContaining({ from: undefined, messagingServiceSid: MESSAGING_SERVICE, sendAt }), 50_000);
  });

  test('with both a number and a Messaging Service the service picks the sender, so the human is shown the service', async () => {
    const h = harness({ env: { TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE }, answer: { kind: 'accepted' } });
    await sendSms(h.deps, MESSAGE);
    expect(h.approve).toHaveBeenCalledWith(expect.objectContaining({ from: undefined, messagingServiceSid: MESSAGING_SERVICE }), 50_000);
  });

  test("the human's time counts against the call: the delivery wait after a slow accept still ends in the budget", async () => {
    const h = harness({
      status: 'sent',
      answer: async () => {
        h.advance(45_000);
        return { kind: 'accepted' };
      },
    });
    const result = await sendSms(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'sent', status: 'sent' });
    // SEND_WAIT_SECONDS 20 would wait until +65 s; the budget's waitUntil (+50 s) ends it first.
    expect(h.now() - T0).toBeLessThanOrEqual(50_000);
    expect(h.now() - T0).toBeGreaterThan(45_000);
  });
});

describe('with a client that cannot ask (no elicitation)', () => {
  test('the preview and token flow, as before: preview, then the token sends once', async () => {
    const h = harness({ answer: { kind: 'unavailable' } });
    const preview = await sendSms(h.deps, MESSAGE);
    expect(preview.outcome).toBe('needs_confirmation');
    expect(sendResultText(preview)).toMatch(/^\[PREVIEW, NOT SENT\]/);
    expect(h.create).not.toHaveBeenCalled();
    const sent = await sendSms(h.deps, { ...MESSAGE, confirmationToken: preview.confirmationToken! });
    expect(sent.outcome).toBe('sent');
    expect((await sendSms(h.deps, { ...MESSAGE, body: `${MESSAGE.body} again`, confirmationToken: preview.confirmationToken! })).outcome).toBe('refused');
    expect(h.create).toHaveBeenCalledTimes(1);
  });

  test('no approve at all (sendSms called without a client): the token flow too', async () => {
    const h = harness();
    expect((await sendSms(h.deps, MESSAGE)).outcome).toBe('needs_confirmation');
  });
});
