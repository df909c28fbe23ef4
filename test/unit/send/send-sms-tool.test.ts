import { segmentInfo } from '../../../lib/segments';
import type { SendOutcome } from '../../../mcp-bridge/src/server/send/send-message';
import { sendResultText } from '../../../mcp-bridge/src/tools/send-sms';

const TO = '+14155550100';
const SID = `SM${'a'.repeat(32)}`;
const base: SendOutcome = { outcome: 'sent', to: TO, sid: SID, status: 'delivered', errorCode: null, reason: null, conversationId: 'conv_0123456789abcdef', warning: null };

const outcomes: [string, SendOutcome][] = [
  ['sent, delivered', base],
  ['sent, not yet delivered', { ...base, status: 'sent' }],
  ['sent, queued, with a warning', { ...base, status: 'queued', warning: 'The message was sent but could not be saved to the conversation history.' }],
  ['already sent (duplicate)', { ...base, outcome: 'already_sent', status: 'delivered', conversationId: null, reason: 'This exact message was already sent to this number a moment ago.' }],
  ['already sent (in flight)', { ...base, outcome: 'already_sent', sid: null, status: null, conversationId: null, reason: 'This exact message is being sent to this number right now by an earlier call.' }],
  ['failed with an error code', { ...base, outcome: 'failed', status: 'undelivered', errorCode: 30003, reason: 'The handset is unreachable (switched off or out of coverage). Try again later.' }],
  ['failed before sending', { ...base, outcome: 'failed', sid: null, status: null, errorCode: 21211, conversationId: null, reason: 'Twilio error 21211: Invalid To.' }],
  ['refused', { ...base, outcome: 'refused', sid: null, status: null, conversationId: null, reason: 'The message body is empty. Write the text to send.' }],
  ['refused by the rate limit', { ...base, outcome: 'refused', sid: null, status: null, conversationId: null, reason: 'Rate limit reached: at most 10 messages per minute in total. Tell the user; sending is possible again in about 30 s.' }],
  ['unknown', { ...base, outcome: 'unknown', sid: null, status: null, conversationId: null, reason: 'Twilio did not answer clearly (socket hang up), so it is unknown whether the message went out.' }],
];

describe('sendResultText', () => {
  test.each(outcomes)('%s: starts with [FINAL] and says not to send again', (_label, result) => {
    const text = sendResultText(result);
    expect(text.startsWith('[FINAL] ')).toBe(true);
    expect(text).toMatch(/Do not (send it again|resend|retry)/);
  });

  test.each(outcomes.filter(([, result]) => result.reason !== null))('%s: includes the reason', (_label, result) => {
    expect(sendResultText(result)).toContain(result.reason!.replace(/\.$/, '').replace(/^Twilio error \d+: /, ''));
  });

  test.each(outcomes.filter(([, result]) => result.sid !== null))('%s: includes the SID', (_label, result) => {
    expect(sendResultText(result)).toContain(`(SID ${SID})`);
  });

  test('sent and delivered says delivered, with no receipt caveat', () => {
    const text = sendResultText(base);
    expect(text).toBe(`[FINAL] SMS sent to ${TO} (SID ${SID}): delivered. Do not send it again. Conversation conv_0123456789abcdef (wait_for_reply takes it).`);
  });

  test.each(['sent', 'queued', 'accepted'])('sent but %s says no delivery receipt yet', (status) => {
    const text = sendResultText({ ...base, status });
    expect(text).toContain(`: ${status}; no delivery receipt yet.`);
    expect(text).not.toContain(': delivered.');
  });

  test.each<[string, SendOutcome, RegExp]>([
    ['failed names the Twilio error', outcomes[5]![1], /failed \(SID SM[a]+\) \(Twilio error 30003\): The handset is unreachable/],
    ['failed tells the model to inform the user', outcomes[5]![1], /Do not retry; tell the user\.$/],
    ['refused says nothing was sent', outcomes[7]![1], /Nothing was sent\. Do not retry the same call/],
    ['unknown warns it may have arrived', outcomes[9]![1], /Do not resend: it may already have arrived\.$/],
    ['already sent reports the status', outcomes[3]![1], /status delivered\. Do not resend it\.$/],
    ['the warning is appended', outcomes[2]![1], /Note: The message was sent but could not be saved/],
  ])('%s', (_label, result, pattern) => {
    expect(sendResultText(result)).toMatch(pattern);
  });

  test.each(outcomes.filter(([, result]) => result.outcome !== 'already_sent'))('%s: no doubled full stop', (_label, result) => {
    expect(sendResultText(result)).not.toContain('..');
  });

  // Bug: the already_sent text appends `${sid}${status}.` straight after the reason, and both
  // reasons sendMessage uses end with a full stop, so the in-flight case reads "…earlier call.. Do not resend it."
  test.each(outcomes.filter(([, result]) => result.outcome === 'already_sent'))('%s: no doubled full stop', (_label, result) => {
    expect(sendResultText(result)).not.toMatch(/\.\.|\. \(SID/);
  });
});

test('a failure names its Twilio error code once', () => {
  const failed = outcomes.find(([label]) => label === 'failed before sending')![1];
  const text = sendResultText(failed);
  expect(text).toBe('[FINAL] SMS to +14155550100 failed (Twilio error 21211): Invalid To. Do not retry; tell the user.');
  expect(text.match(/21211/g)).toHaveLength(1);
});

describe('the size in segments (lib/segments.ts)', () => {
  const segments = segmentInfo(`${'a'.repeat(168)}€`);
  const size = '2 segments (GSM-7, 170 characters at 153 per part; `€` counts twice)';
  test.each<[string, SendOutcome, string]>([
    ['sent', { ...base, segments }, ` Twilio bills it as ${size}.`],
    ['scheduled', { ...base, outcome: 'scheduled', status: 'scheduled', sendAt: '2030-01-01T09:00:00.000Z', segments }, ` Twilio will bill it as ${size}.`],
    ['unknown', { ...base, outcome: 'unknown', sid: null, status: null, reason: 'Twilio did not answer clearly.', segments }, ` If it went out, Twilio bills it as ${size}.`],
    ['preview', { ...base, outcome: 'needs_confirmation', sid: null, status: null, confirmationToken: 'tok', segments }, ` Twilio will bill it as ${size}. Only if they approve`],
  ])('%s says it', (_label, result, words) => {
    expect(sendResultText(result)).toContain(words);
  });

  test('a refusal carries its own reason only', () => {
    expect(sendResultText({ ...base, outcome: 'refused', sid: null, status: null, reason: 'No.', segments })).not.toContain('segment');
  });
});
