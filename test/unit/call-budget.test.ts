import {
  AFTER_WAIT_MS,
  ANSWER_MARGIN_MS,
  callBudget,
  margins,
  maxWaitSeconds,
  MIN_AFTER_WAIT_MS,
  MIN_ANSWER_MARGIN_MS,
  MIN_CLIENT_TIMEOUT_SECONDS,
  MIN_WORK_MS,
  shortTimeoutNote,
} from '../../mcp-bridge/src/server/call-budget';

const START = 1_700_000_000_000;

describe('margins', () => {
  test('5 s to answer, 5 s after a wait, from 15 s up', () => {
    expect([ANSWER_MARGIN_MS, AFTER_WAIT_MS]).toEqual([5_000, 5_000]);
    for (const timeout of [15, 60, 3600]) expect(margins(timeout)).toEqual({ answerMarginMs: 5_000, afterWaitMs: 5_000 });
  });

  test('under 15 s a third of the timeout each, never below 1 s to answer and 2 s after a wait', () => {
    expect(margins(12)).toEqual({ answerMarginMs: 4_000, afterWaitMs: 4_000 });
    expect(margins(6)).toEqual({ answerMarginMs: 2_000, afterWaitMs: 2_000 });
    expect(margins(5)).toEqual({ answerMarginMs: 1_667, afterWaitMs: 2_000 });
    expect(margins(2)).toEqual({ answerMarginMs: MIN_ANSWER_MARGIN_MS, afterWaitMs: MIN_AFTER_WAIT_MS });
  });
});

describe('callBudget', () => {
  test.each<[number, number, number]>([
    // timeout s, answerBy − start (ms), waitUntil − start (ms)
    [5, 3_333, 1_333],
    [6, 4_000, 2_000],
    [10, 6_667, 3_334],
    [12, 8_000, 4_000],
    [15, 10_000, 5_000],
    [60, 55_000, 50_000],
    [3600, 3_595_000, 3_590_000],
  ])('%i s → answer by start + %i ms, wait until start + %i ms', (timeout, answerAfter, waitAfter) => {
    expect(callBudget(timeout, START)).toEqual({ answerBy: START + answerAfter, waitUntil: START + waitAfter });
  });

  test.each([1, 2, 3])('%i s: waiting never ends before the call started', (timeout) => {
    expect(callBudget(timeout, START).waitUntil).toBe(START);
  });

  test('the floor: the smallest whole second that leaves a call MIN_WORK_MS of Twilio calls before its answer is due', () => {
    const workTime = (timeout: number) => callBudget(timeout, START).answerBy - START;
    expect(workTime(MIN_CLIENT_TIMEOUT_SECONDS)).toBeGreaterThanOrEqual(MIN_WORK_MS);
    expect(workTime(MIN_CLIENT_TIMEOUT_SECONDS - 1)).toBeLessThan(MIN_WORK_MS);
  });

  test('every timeout the bridge accepts answers before the client gives up, with waits that end before the answer is due', () => {
    for (let timeout = MIN_CLIENT_TIMEOUT_SECONDS; timeout <= 120; timeout++) {
      const { answerBy, waitUntil } = callBudget(timeout, START);
      expect(START + timeout * 1000 - answerBy).toBeGreaterThanOrEqual(MIN_ANSWER_MARGIN_MS);
      expect(answerBy - waitUntil).toBeGreaterThanOrEqual(MIN_AFTER_WAIT_MS);
    }
  });

  test('only the start moves the budget', () => {
    const a = callBudget(60, 0);
    const b = callBudget(60, 12_345);
    expect([b.answerBy - a.answerBy, b.waitUntil - a.waitUntil]).toEqual([12_345, 12_345]);
  });
});

describe('maxWaitSeconds', () => {
  test.each<[number, number]>([
    [5, 1],
    [6, 2],
    [10, 3],
    [12, 4],
    [13, 4],
    [15, 5],
    [60, 50],
    [3600, 3590],
    [3, 0],
  ])('%d s client timeout → %i s', (timeout, seconds) => {
    expect(maxWaitSeconds(timeout)).toBe(seconds);
  });
});

describe('shortTimeoutNote', () => {
  test('none from 15 s up', () => {
    expect(shortTimeoutNote(15, 20, true)).toBeNull();
    expect(shortTimeoutNote(60, 20, false)).toBeNull();
  });

  test('under 15 s one line saying what was shortened', () => {
    expect(shortTimeoutNote(6, 20, false)).toBe(
      'CLIENT_TIMEOUT_SECONDS is 6, under 15: waits end 2 s into a call and answers are ready 4 s into it (wait_for_reply waits at most 2 s a call, then says "no reply yet, call again"; send_sms reports the status reached by then (SEND_WAIT_SECONDS 20 cut to 2)). For longer waits raise it and the client\'s timeout together.',
    );
    expect(shortTimeoutNote(12, 0, true)).toBe(
      'CLIENT_TIMEOUT_SECONDS is 12, under 15: waits end 4 s into a call and answers are ready 8 s into it (wait_for_reply waits at most 4 s a call, then says "no reply yet, call again"; the approval prompt gives the human at most 4 s, too short for most people). For longer waits raise it and the client\'s timeout together.',
    );
    expect(shortTimeoutNote(5, 0, false)).toMatch(/waits end 1\.3 s into a call and answers are ready 3\.3 s into it/);
  });
});
