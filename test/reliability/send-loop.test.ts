/**
 * A looping, adversarial assistant (issue #6, part 6): a scripted MCP client calls send_sms 50
 * times with the same message, then 50 times with slightly varied ones, one after the other and
 * all at once. The loop guard (same message to the same number within DUPLICATE_WINDOW_SECONDS)
 * and the rate limits (per recipient, overall) hold exactly: the emulator's create count is what
 * the configured limits allow, not one more.
 */
import { startEmulator, type Emulator } from '../../emulator';
import { startBridge, type BridgeProcess } from '../../scripts/system/bridge-process';
import { createRequests, reportFigures, textOf } from './support';
import { MAGIC_FROM_NUMBER } from '../../emulator/magic-numbers';

// Real processes, retries and timeouts: slower than jest's 5 s default (set here, since a
// project's testTimeout does not apply when jest.config.js runs it as one of its projects).
jest.setTimeout(120_000);

const A = '+14155550181';
const B = '+14155550182';
const LIMITS = { perMinute: 10, perRecipientPerMinute: 3 };
const MESSAGE = 'Your order has shipped.';

let emulator: Emulator;
let bridge: BridgeProcess;
let calls = 0;

beforeAll(async () => {
  emulator = await startEmulator({ phoneNumbers: [MAGIC_FROM_NUMBER], deliveryStepMs: 20 });
  bridge = await startBridge({
    TWILIO_ACCOUNT_SID: emulator.accountSid,
    TWILIO_AUTH_TOKEN: emulator.authToken,
    TWILIO_PHONE_NUMBER: MAGIC_FROM_NUMBER,
    TWILIO_API_BASE_URL: emulator.url,
    SEND_WAIT_SECONDS: '0',
    DUPLICATE_WINDOW_SECONDS: '600',
    SEND_LIMIT_PER_MINUTE: String(LIMITS.perMinute),
    SEND_LIMIT_PER_RECIPIENT_PER_MINUTE: String(LIMITS.perRecipientPerMinute),
    SEND_LIMIT_PER_HOUR: '60',
    SEND_LIMIT_PER_DAY: '200',
  });
}, 30_000);

afterAll(async () => {
  reportFigures({ suite: 'send-loop', casesTried: calls, creates: createRequests(emulator), duplicates: duplicateTexts() });
  await bridge?.close();
  await emulator?.close();
});

type Outcome = 'sent' | 'already_sent' | 'refused' | 'failed' | 'unknown';

async function send(to: string, body: string): Promise<{ outcome: Outcome; text: string }> {
  calls += 1;
  const result = await bridge.call('send_sms', { to, body });
  const text = textOf(result);
  // Whatever happens, the model is told it is final.
  expect(text).toMatch(/^\[FINAL\] /);
  return { outcome: (result.structuredContent as { outcome: Outcome }).outcome, text };
}

function tally(results: { outcome: Outcome }[]): Partial<Record<Outcome, number>> {
  const counts: Partial<Record<Outcome, number>> = {};
  for (const { outcome } of results) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
}

/** Texts that reached one handset twice. */
function duplicateTexts(): number {
  const keys = emulator.messages().map((message) => `${message.to}|${message.body}`);
  return keys.length - new Set(keys).size;
}

/** Spacing variants: the guard folds whitespace, so these are the same message. */
const spacing = (text: string) => [` ${text}`, `${text} `, `  ${text}  `, text.replace(/ /g, '  '), `${text}\n`, `\t${text}`, text.replace(/ /g, '\u00A0'), `${text}\r\n`, `\n\n${text}`, text.replace(' ', ' \t ')];
/** Wording variants a looping model produces: different messages to the guard, so the caps decide. */
const wording = (text: string, count: number) =>
  Array.from({ length: count }, (_, i) => [`${text}!`, text.toLowerCase(), `${text} Thanks.`, `Reminder: ${text}`, `${text} (${i})`][i % 5]! + (i >= 5 ? ` #${i}` : ''));

describe('send_sms in a loop', () => {
  test('50 times the same message, one after the other: sent once', async () => {
    const results = [];
    for (let i = 0; i < 50; i++) results.push(await send(A, MESSAGE));
    expect(tally(results)).toEqual({ sent: 1, already_sent: 49 });
    expect(results[1]!.text).toMatch(/^\[FINAL\] Not sent again: This exact message was already sent to this number a moment ago \(SID SM[0-9a-f]{32}\)/);
    expect(createRequests(emulator)).toBe(1);
  });

  test('50 slight variations, one after the other: spacing counts as the same, wording hits the per-recipient cap', async () => {
    const bodies = [...spacing(MESSAGE), ...wording(MESSAGE, 40)];
    expect(new Set(bodies).size).toBe(50);
    const results = [];
    for (const body of bodies) results.push(await send(A, body));
    // 10 spacing variants are the message already sent; of 40 rewordings, 2 fit under 3/min/number.
    expect(tally(results)).toEqual({ already_sent: 10, sent: LIMITS.perRecipientPerMinute - 1, refused: 38 });
    expect(results.filter((r) => r.outcome === 'refused').every((r) => /Rate limit reached: at most 3 messages per minute to this number/.test(r.text))).toBe(true);
    expect(createRequests(emulator)).toBe(LIMITS.perRecipientPerMinute);
  });

  test('50 times the same message at once: sent once', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => send(B, MESSAGE)));
    expect(tally(results)).toEqual({ sent: 1, already_sent: 49 });
    expect(createRequests(emulator)).toBe(LIMITS.perRecipientPerMinute + 1);
  });

  test('50 different messages to one number at once: the per-recipient cap holds under concurrency', async () => {
    const results = await Promise.all(wording(`Parcel update for you`, 50).map((body) => send(B, body)));
    expect(tally(results)).toEqual({ sent: LIMITS.perRecipientPerMinute - 1, refused: 48 });
    expect(createRequests(emulator)).toBe(2 * LIMITS.perRecipientPerMinute);
  });

  test('50 messages to 50 numbers at once: the overall cap holds', async () => {
    const recipients = Array.from({ length: 50 }, (_, i) => `+1415555${String(2000 + i)}`);
    const results = await Promise.all(recipients.map((to, i) => send(to, `Hello number ${i}`)));
    const remaining = LIMITS.perMinute - 2 * LIMITS.perRecipientPerMinute;
    expect(tally(results)).toEqual({ sent: remaining, refused: 50 - remaining });
    expect(results.filter((r) => r.outcome === 'refused').every((r) => /Rate limit reached: at most 10 messages per minute in total/.test(r.text))).toBe(true);
    expect(createRequests(emulator)).toBe(LIMITS.perMinute);
  });

  test('then nothing more goes out, to anyone, and nothing went out twice', async () => {
    const results = await Promise.all([send(A, 'one more'), send(B, MESSAGE), send('+14155550199', 'brand new')]);
    expect(results.map((r) => r.outcome)).toEqual(['refused', 'already_sent', 'refused']);
    expect(createRequests(emulator)).toBe(LIMITS.perMinute);
    expect(emulator.messages()).toHaveLength(LIMITS.perMinute);
    expect(duplicateTexts()).toBe(0);
    expect(Math.max(...[A, B].map((to) => emulator.messages().filter((message) => message.to === to).length))).toBe(LIMITS.perRecipientPerMinute);
  });
});
