/**
 * sendMessage in confirmation mode with a client that can ask its user (deps.approve), with fakes:
 * every answer, the order (policy first, then the human, then the guard and the create), a
 * model's token never standing in for the human, the clients without elicitation keeping the
 * token flow, and the time the human takes counting against the call's budget.
 */
import type { ApprovalAnswer } from '../../../mcp-bridge/src/server/approval';
import type { SendInput } from '../../../lib/outbound/send-input';
import { sendMessage } from '../../../mcp-bridge/src/server/send/send-message';
import { sendResultText } from '../../../mcp-bridge/src/tools/send-sms';
import { MESSAGING_SERVICE, OUR, sendHarness, type SendHarnessOptions, T0, TO } from '../support/send-harness';

/** A bridge without Sync in confirmation mode, a clock that moves only when told, and a Twilio that accepts every create. */
function harness(options: Pick<SendHarnessOptions, 'env' | 'answer' | 'status'> = {}) {
  return sendHarness({ ...options, env: { SEND_CONFIRMATION: 'true', ...options.env } });
}

const MESSAGE: SendInput = { to: TO, body: 'Your appointment is confirmed.' };

describe('with a client that asks its user', () => {
  test('accept: sent once, and the human was asked about the exact message, with the time the call has left', async () => {
    const h = harness({ answer: { kind: 'accepted' } });
    const result = await sendMessage(h.deps, { ...MESSAGE, mediaUrl: ['https://example.com/a.jpg'] });
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
    const result = await sendMessage(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'declined', sid: null, status: null });
    expect(result.confirmationToken).toBeUndefined();
    expect(sendResultText(result)).toMatch(text);
    expect(h.reserve).not.toHaveBeenCalled();
    expect(h.create).not.toHaveBeenCalled();
  });

  test('the prompt failed: refused, saying why, nothing sent', async () => {
    const h = harness({ answer: { kind: 'failed', error: 'Method not found.' } });
    const result = await sendMessage(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'refused', reason: "The user could not be asked to approve it: the client's approval prompt failed (Method not found)." });
    expect(h.create).not.toHaveBeenCalled();
  });

  test('a token the model passes is not used: the human is still asked, and their no stands', async () => {
    const h = harness({ answer: { kind: 'declined' } });
    const token = await h.confirmations.issue(TO, MESSAGE.body, []);
    const result = await sendMessage(h.deps, { ...MESSAGE, confirmationToken: token });
    expect(result.outcome).toBe('declined');
    expect(h.approve).toHaveBeenCalledTimes(1);
    expect(h.create).not.toHaveBeenCalled();
    expect(h.logs).toContain('warn confirmationToken ignored: this client asks the user to approve each text');
  });

  test('a policy refusal comes first: the human is not asked about a text that would be refused', async () => {
    const h = harness({ env: { SEND_ALLOWLIST: '+14155550199' }, answer: { kind: 'accepted' } });
    const result = await sendMessage(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'refused', reason: expect.stringContaining('allowlist') });
    expect(h.approve).not.toHaveBeenCalled();
  });

  test('bad input comes first too', async () => {
    const h = harness({ answer: { kind: 'accepted' } });
    expect((await sendMessage(h.deps, { to: 'nobody', body: 'hi' })).outcome).toBe('refused');
    expect(h.approve).not.toHaveBeenCalled();
  });

  test('without SEND_CONFIRMATION nobody is asked', async () => {
    const h = harness({ env: { SEND_CONFIRMATION: 'false' }, answer: { kind: 'declined' } });
    expect((await sendMessage(h.deps, MESSAGE)).outcome).toBe('sent');
    expect(h.approve).not.toHaveBeenCalled();
  });

  test('the guard still applies after an accept: an approved duplicate is not sent twice', async () => {
    const h = harness({ answer: { kind: 'accepted' } });
    expect((await sendMessage(h.deps, MESSAGE)).outcome).toBe('sent');
    expect((await sendMessage(h.deps, MESSAGE)).outcome).toBe('already_sent');
    expect(h.create).toHaveBeenCalledTimes(1);
  });

  test('a scheduled text through a Messaging Service: the human sees the service and the time', async () => {
    const h = harness({ env: { TWILIO_PHONE_NUMBER: '', TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE }, answer: { kind: 'accepted' } });
    const sendAt = new Date(T0 + 3_600_000).toISOString();
    const result = await sendMessage(h.deps, { ...MESSAGE, sendAt });
    expect(result).toMatchObject({ outcome: 'scheduled', sendAt });
    expect(h.approve).toHaveBeenCalledWith(expect.objectContaining({ from: undefined, messagingServiceSid: MESSAGING_SERVICE, sendAt }), 50_000);
  });

  test('with both a number and a Messaging Service the service picks the sender, so the human is shown the service', async () => {
    const h = harness({ env: { TWILIO_MESSAGING_SERVICE_SID: MESSAGING_SERVICE }, answer: { kind: 'accepted' } });
    await sendMessage(h.deps, MESSAGE);
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
    const result = await sendMessage(h.deps, MESSAGE);
    expect(result).toMatchObject({ outcome: 'sent', status: 'sent' });
    // SEND_WAIT_SECONDS 20 would wait until +65 s; the budget's waitUntil (+50 s) ends it first.
    expect(h.now() - T0).toBeLessThanOrEqual(50_000);
    expect(h.now() - T0).toBeGreaterThan(45_000);
  });
});

describe('with a client that cannot ask (no elicitation)', () => {
  test('the preview and token flow, as before: preview, then the token sends once', async () => {
    const h = harness({ answer: { kind: 'unavailable' } });
    const preview = await sendMessage(h.deps, MESSAGE);
    expect(preview.outcome).toBe('needs_confirmation');
    expect(sendResultText(preview)).toMatch(/^\[PREVIEW, NOT SENT\]/);
    expect(h.create).not.toHaveBeenCalled();
    const sent = await sendMessage(h.deps, { ...MESSAGE, confirmationToken: preview.confirmationToken! });
    expect(sent.outcome).toBe('sent');
    expect((await sendMessage(h.deps, { ...MESSAGE, body: `${MESSAGE.body} again`, confirmationToken: preview.confirmationToken! })).outcome).toBe('refused');
    expect(h.create).toHaveBeenCalledTimes(1);
  });

  test('no approve at all (sendMessage called without a client): the token flow too', async () => {
    const h = harness();
    expect((await sendMessage(h.deps, MESSAGE)).outcome).toBe('needs_confirmation');
  });
});
