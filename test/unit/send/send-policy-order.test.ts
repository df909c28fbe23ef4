/**
 * The order of sendMessage's checks: input → segment limit → policy (scope, allowlist, scheduling
 * rules, sender choice, opt-out, reply-only, quiet hours last) → human approval → send guard →
 * create. For every pair of rules, an input that breaks both gets the earlier rule's refusal (and
 * not the later one's), each rule alone refuses with its own words, and no refusal reaches the
 * create. With fakes for Twilio's Messages API and the guard; the opt-out state is a real store's
 * (the emulator's Sync) where a rule needs one.
 */
import type { ApprovalAnswer } from '../../../mcp-bridge/src/server/approval';
import { ProcessSendGuard, type SendGuard } from '../../../lib/guard/send-guard';
import type { SendInput } from '../../../lib/outbound/send-input';
import { sendMessage } from '../../../mcp-bridge/src/server/send/send-message';
import { OUR, sendHarness, T0, TO } from '../support/send-harness';
import { inboundRecord, useStoreHarness } from '../support/store-harness';

const h = useStoreHarness();

/** What one case sets up: the bridge's env, the call, the store's state, the human, the guard. */
interface Scenario {
  env: Record<string, string>;
  input: SendInput;
  /** null: a bridge without Sync. */
  store: { optedOut: boolean; texted: boolean } | null;
  answer?: ApprovalAnswer;
  guardRefuses: boolean;
}

interface Rule {
  name: string;
  /** Makes the scenario break this rule (and only this one). */
  apply(s: Scenario): void;
  /** The refusal's words. */
  refusal: RegExp;
  outcome: 'refused' | 'declined';
}

const needStore = (s: Scenario) => (s.store ??= { optedOut: false, texted: false });

// In the order sendMessage checks them.
const RULES: Rule[] = [
  { name: 'input', outcome: 'refused', refusal: /control characters/, apply: (s) => void (s.input.body += '\u0007') },
  {
    name: 'segment limit',
    outcome: 'refused',
    refusal: /SEND_MAX_SEGMENTS\)/,
    apply: (s) => {
      s.env.SEND_MAX_SEGMENTS = '1';
      s.input.body += ` ${'a'.repeat(170)}`;
    },
  },
  {
    name: 'scope',
    outcome: 'refused',
    refusal: /No Twilio number is assigned to bob@example\.com/,
    apply: (s) => Object.assign(s.env, { SMS_USER: 'bob@example.com', SMS_USER_NUMBERS: `alice@example.com=${OUR}` }),
  },
  { name: 'allowlist', outcome: 'refused', refusal: /recipient allowlist \(SEND_ALLOWLIST\)/, apply: (s) => void (s.env.SEND_ALLOWLIST = '+14155550199') },
  { name: 'scheduling', outcome: 'refused', refusal: /^Scheduling \(sendAt\) needs a Messaging Service/, apply: (s) => void (s.input.sendAt = new Date(T0 + 3_600_000).toISOString()) },
  { name: 'sender choice', outcome: 'refused', refusal: /"\+15005550099" is not one of your Twilio numbers/, apply: (s) => void (s.input.from = '+15005550099') },
  { name: 'opt-out', outcome: 'refused', refusal: /has opted out \(they replied STOP\)/, apply: (s) => void (needStore(s).optedOut = true) },
  {
    name: 'reply-only',
    outcome: 'refused',
    refusal: /SEND_POLICY=reply-only\), and \+14155550100 has never texted/,
    apply: (s) => {
      s.env.SEND_POLICY = 'reply-only';
      needStore(s).texted = false;
    },
  },
  // T0 is 04:00 in Los Angeles, where +1 415 is.
  { name: 'quiet hours', outcome: 'refused', refusal: /inside the quiet hours .*\(QUIET_HOURS\)/, apply: (s) => void (s.env.QUIET_HOURS = '21:00-08:00') },
  {
    name: 'human approval',
    outcome: 'declined',
    refusal: /declined this message/,
    apply: (s) => {
      s.env.SEND_CONFIRMATION = 'true';
      s.answer = { kind: 'declined' };
    },
  },
  { name: 'send guard', outcome: 'refused', refusal: /^Rate limit reached/, apply: (s) => void (s.guardRefuses = true) },
];

/** The rules decided by the inbox read, which the guard's reservation runs beside (sendMessage). */
const READ_BESIDE_THE_GUARD = new Set(['opt-out', 'reply-only']);

function baseScenario(): Scenario {
  return { env: {}, input: { to: TO, body: 'Your appointment is confirmed.' }, store: null, guardRefuses: false };
}

async function run(scenario: Scenario) {
  let store = null;
  if (scenario.store) {
    const service = h.fresh();
    store = service.store();
    if (scenario.store.texted) await store.recordInbound(inboundRecord(TO, 'hello', { to: OUR }));
    if (scenario.store.optedOut) await store.markOptedOut(OUR, TO);
  }
  const rateLimited: SendGuard = {
    reserve: () => ({ kind: 'rate-limited', scope: 'overall', account: false, limit: 10, retryAfterSeconds: 30 }),
    complete: () => undefined,
    updateStatus: () => undefined,
    release: () => undefined,
    withdraw: () => undefined,
  };
  const harness = sendHarness({ env: scenario.env, store, ...(scenario.answer ? { answer: scenario.answer } : {}), ...(scenario.guardRefuses ? { guard: rateLimited } : {}) });
  const result = await sendMessage(harness.deps, scenario.input);
  return { result, harness };
}

test('the base scenario breaks no rule: sent, one create', async () => {
  const { result, harness } = await run(baseScenario());
  expect(result.outcome).toBe('sent');
  expect(harness.create).toHaveBeenCalledTimes(1);
});

test('reply-only with someone who texted first: sent', async () => {
  const scenario = baseScenario();
  scenario.env.SEND_POLICY = 'reply-only';
  scenario.store = { optedOut: false, texted: true };
  const { result, harness } = await run(scenario);
  expect(result.outcome).toBe('sent');
  expect(harness.create).toHaveBeenCalledTimes(1);
});

describe.each(RULES.map((rule) => [rule.name, rule] as const))('%s alone', (_name, rule) => {
  test('refuses with its own words and creates nothing', async () => {
    const scenario = baseScenario();
    rule.apply(scenario);
    const { result, harness } = await run(scenario);
    expect(result.outcome).toBe(rule.outcome);
    expect(result.reason).toMatch(rule.refusal);
    expect(harness.create).not.toHaveBeenCalled();
  });
});

const pairs = RULES.flatMap((earlier, i) => RULES.slice(i + 1).map((later) => [earlier.name, later.name, earlier, later] as const));

test.each(pairs)('%s before %s', async (_a, _b, earlier, later) => {
  const scenario = baseScenario();
  later.apply(scenario);
  earlier.apply(scenario);
  const { result, harness } = await run(scenario);
  expect(result.outcome).toBe(earlier.outcome);
  expect(result.reason).toMatch(earlier.refusal);
  expect(result.reason).not.toMatch(later.refusal);
  expect(harness.create).not.toHaveBeenCalled();
  // Nothing after the refusing rule ran: the human is not asked, the guard not consulted, except
  // beside the inbox read, where what it said is not what the caller hears.
  if (later.name === 'human approval') expect(harness.approve).not.toHaveBeenCalled();
  if (later.name === 'send guard') expect(harness.reserve).toHaveBeenCalledTimes(READ_BESIDE_THE_GUARD.has(earlier.name) ? 1 : 0);
});

test('the approval preview (no client prompt) comes before the guard too: no reservation, no create', async () => {
  const scenario = baseScenario();
  scenario.env.SEND_CONFIRMATION = 'true';
  scenario.guardRefuses = true;
  const { result, harness } = await run(scenario);
  expect(result.outcome).toBe('needs_confirmation');
  expect(harness.reserve).not.toHaveBeenCalled();
  expect(harness.create).not.toHaveBeenCalled();
});

describe('a reservation made beside the inbox read is withdrawn when the read refuses', () => {
  test.each(['opt-out', 'reply-only'])('%s: the guard holds no claim and no count afterwards', async (name) => {
    const scenario = baseScenario();
    RULES.find((rule) => rule.name === name)!.apply(scenario);
    const service = h.fresh();
    const store = service.store();
    if (scenario.store?.optedOut) await store.markOptedOut(OUR, TO);
    // Room for one send a minute: a count left standing would refuse the next one.
    const guard = new ProcessSendGuard({ duplicateWindowMs: 600_000, perMinute: 1, perRecipientPerMinute: 0 }, () => T0);
    const harness = sendHarness({ env: scenario.env, store, guard });
    const result = await sendMessage(harness.deps, scenario.input);
    expect(result.reason).toMatch(RULES.find((rule) => rule.name === name)!.refusal);
    expect(harness.reserve).toHaveBeenCalledTimes(1);
    // The same message again: neither "in flight" (a claim left) nor over the cap (a count left).
    expect(guard.reserve(scenario.input.to, scenario.input.body)).toEqual({ kind: 'go', ticket: expect.any(String) });
  });
});
