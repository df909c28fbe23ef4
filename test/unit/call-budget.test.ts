import { AFTER_WAIT_MS, ANSWER_MARGIN_MS, callBudget, maxWaitSeconds } from '../../mcp-bridge/src/call-budget';

const START = 1_700_000_000_000;

describe('margins', () => {
  test('5 s to answer, 5 s after a wait', () => {
    expect([ANSWER_MARGIN_MS, AFTER_WAIT_MS]).toEqual([5_000, 5_000]);
  });
});

describe('callBudget', () => {
  test.each<[number, number, number]>([
    // timeout s, answerBy − start (ms), waitUntil − start (ms)
    [10, 5_000, 0],
    [12, 7_000, 2_000],
    [60, 55_000, 50_000],
    [3600, 3_595_000, 3_590_000],
  ])('%i s → answer by start + %i ms, wait until start + %i ms', (timeout, answerAfter, waitAfter) => {
    expect(callBudget(timeout, START)).toEqual({ answerBy: START + answerAfter, waitUntil: START + waitAfter });
  });

  test.each([1, 5, 8, 10])('%i s: waiting never ends before the call started', (timeout) => {
    expect(callBudget(timeout, START).waitUntil).toBe(START);
  });

  test('only the start moves the budget', () => {
    const a = callBudget(60, 0);
    const b = callBudget(60, 12_345);
    expect([b.answerBy - a.answerBy, b.waitUntil - a.waitUntil]).toEqual([12_345, 12_345]);
  });
});

describe('maxWaitSeconds', () => {
  test.each<[number, number]>([
    [10, 0],
    [11, 1],
    [12, 2],
    [60, 50],
    [3600, 3590],
    [5, 0],
    [12.5, 2],
    [12.9, 2],
  ])('%d s client timeout → %i s', (timeout, seconds) => {
    expect(maxWaitSeconds(timeout)).toBe(seconds);
  });
});
