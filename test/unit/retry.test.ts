import { DEFAULT_RETRY, withRetry, type RetryDeps, type RetryPolicy } from '../../lib/retry';

class FakeClock {
  time = 0;
  readonly delays: number[] = [];
  deps(random: () => number = () => 1): Required<RetryDeps> {
    return {
      now: () => this.time,
      random,
      sleep: async (ms: number) => {
        this.delays.push(ms);
        this.time += ms;
      },
    };
  }
}

const transient = (): Error & { status: number } => Object.assign(new Error('Service Unavailable'), { status: 503 });
const permanent = (): Error & { status: number } => Object.assign(new Error('Bad Request'), { status: 400 });

/** An operation that throws the given errors in turn, then resolves to 'done'. */
function scripted(errors: readonly Error[]): { run: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = [];
  return {
    attempts,
    run: async (attempt: number) => {
      attempts.push(attempt);
      const error = errors[attempts.length - 1];
      if (error) throw error;
      return 'done';
    },
  };
}

const policy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => ({ attempts: 5, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 60_000, ...overrides });

describe('withRetry', () => {
  test('returns the first success without sleeping', async () => {
    const clock = new FakeClock();
    const op = scripted([]);
    await expect(withRetry(op.run, policy(), undefined, clock.deps())).resolves.toBe('done');
    expect(op.attempts).toEqual([1]);
    expect(clock.delays).toEqual([]);
  });

  test.each([
    ['429', Object.assign(new Error('Too Many Requests'), { status: 429 })],
    ['500', Object.assign(new Error('Internal'), { status: 500 })],
    ['503', transient()],
    ['no answer', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('retries a transient %s failure and returns the later success', async (_label, error) => {
    const clock = new FakeClock();
    const op = scripted([error, error]);
    await expect(withRetry(op.run, policy(), undefined, clock.deps())).resolves.toBe('done');
    expect(op.attempts).toEqual([1, 2, 3]);
    expect(clock.delays).toHaveLength(2);
  });

  test.each([1, 2, 4, 6])('tries at most attempts = %i times, then throws the last error', async (attempts) => {
    const clock = new FakeClock();
    const errors = Array.from({ length: attempts + 3 }, transient);
    const op = scripted(errors);
    await expect(withRetry(op.run, policy({ attempts }), undefined, clock.deps())).rejects.toBe(errors[attempts - 1]);
    expect(op.attempts).toEqual(Array.from({ length: attempts }, (_, i) => i + 1));
    expect(clock.delays).toHaveLength(attempts - 1);
  });

  test('throttledAttempts: 429s are tried that many times, other failures still attempts times', async () => {
    const throttled = () => Object.assign(new Error('Too Many Requests'), { status: 429 });
    const many = policy({ attempts: 3, throttledAttempts: 8 });
    const clock = new FakeClock();
    const only429 = scripted(Array.from({ length: 7 }, throttled));
    await expect(withRetry(only429.run, many, undefined, clock.deps())).resolves.toBe('done');
    expect(only429.attempts).toHaveLength(8);
    const all429 = scripted(Array.from({ length: 20 }, throttled));
    await expect(withRetry(all429.run, many, undefined, new FakeClock().deps())).rejects.toMatchObject({ status: 429 });
    expect(all429.attempts).toHaveLength(8);
    const only503 = scripted(Array.from({ length: 20 }, transient));
    await expect(withRetry(only503.run, many, undefined, new FakeClock().deps())).rejects.toMatchObject({ status: 503 });
    expect(only503.attempts).toHaveLength(3);
    // The deadline still stops them: a webhook answers in time whatever Sync does.
    const late = scripted(Array.from({ length: 20 }, throttled));
    const deadlineClock = new FakeClock();
    await expect(withRetry(late.run, { ...many, deadline: 1500 }, undefined, deadlineClock.deps())).rejects.toMatchObject({ status: 429 });
    expect(deadlineClock.time).toBeLessThan(1500);
    expect(late.attempts.length).toBeLessThan(8);
  });

  test.each([
    ['400', permanent()],
    ['404', Object.assign(new Error('Not Found'), { status: 404 })],
    ['programming error', new TypeError('boom')],
  ])('stops at once on a non-transient %s', async (_label, error) => {
    const clock = new FakeClock();
    const op = scripted([error]);
    await expect(withRetry(op.run, policy(), undefined, clock.deps())).rejects.toBe(error);
    expect(op.attempts).toEqual([1]);
    expect(clock.delays).toEqual([]);
  });

  test('stops when a transient failure is followed by a non-transient one', async () => {
    const clock = new FakeClock();
    const last = permanent();
    const op = scripted([transient(), last]);
    await expect(withRetry(op.run, policy(), undefined, clock.deps())).rejects.toBe(last);
    expect(op.attempts).toEqual([1, 2]);
  });

  test('uses a custom shouldRetry instead of isTransient', async () => {
    const clock = new FakeClock();
    const op = scripted([permanent(), permanent()]);
    await expect(withRetry(op.run, policy(), () => true, clock.deps())).resolves.toBe('done');
    const op2 = scripted([transient()]);
    await expect(withRetry(op2.run, policy(), () => false, clock.deps())).rejects.toBeInstanceOf(Error);
    expect([op.attempts, op2.attempts]).toEqual([[1, 2, 3], [1]]);
  });

  test.each<[string, number, Partial<RetryPolicy>, number[]]>([
    ['full jitter at random 1: doubling up to maxDelayMs', 1, { attempts: 7, baseDelayMs: 100, maxDelayMs: 350 }, [100, 200, 350, 350, 350, 350]],
    ['random 0.5 halves each cap', 0.5, { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 }, [50, 100, 200, 400]],
    ['random 0 never waits', 0, { attempts: 4, baseDelayMs: 100, maxDelayMs: 1000 }, [0, 0, 0]],
    ['default policy at random 1', 1, DEFAULT_RETRY, [100, 200, 400, 800, 1600]],
  ])('backoff: %s', async (_label, random, overrides, expected) => {
    const clock = new FakeClock();
    const p = policy(overrides);
    const op = scripted(Array.from({ length: 20 }, transient));
    await expect(withRetry(op.run, p, undefined, clock.deps(() => random))).rejects.toBeInstanceOf(Error);
    expect(clock.delays).toEqual(expected);
    for (const delay of clock.delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(p.maxDelayMs);
    }
  });

  test('every delay stays within [0, maxDelayMs] for any random value', async () => {
    const values = [0.999999, 0.1, 0.73, 0.5, 0.0001, 0.9, 0.33, 0.66, 0.2];
    let i = 0;
    const clock = new FakeClock();
    const p = policy({ attempts: 10, baseDelayMs: 250, maxDelayMs: 1500 });
    await expect(withRetry(scripted(Array.from({ length: 20 }, transient)).run, p, undefined, clock.deps(() => values[i++ % values.length]!))).rejects.toBeInstanceOf(Error);
    expect(clock.delays).toHaveLength(9);
    expect(clock.delays.every((delay) => Number.isInteger(delay) && delay >= 0 && delay <= 1500)).toBe(true);
  });

  test.each<[string, number, number, number]>([
    // baseDelayMs = maxDelayMs = 1000 and random 1: every wait is 1000 ms.
    ['wait that would end after the budget is not taken', 2500, 3, 2],
    ['wait that ends exactly on the budget is taken', 3000, 4, 3],
    ['budget 0 allows no wait at all', 0, 1, 0],
  ])('budgetMs: %s', async (_label, budgetMs, expectedAttempts, expectedSleeps) => {
    const clock = new FakeClock();
    const op = scripted(Array.from({ length: 20 }, transient));
    await expect(withRetry(op.run, policy({ attempts: 20, baseDelayMs: 1000, maxDelayMs: 1000, budgetMs }), undefined, clock.deps())).rejects.toBeInstanceOf(Error);
    expect(op.attempts).toHaveLength(expectedAttempts);
    expect(clock.delays).toHaveLength(expectedSleeps);
    expect(clock.time).toBeLessThanOrEqual(budgetMs);
  });

  test('the budget counts time spent inside the operation too', async () => {
    const clock = new FakeClock();
    const attempts: number[] = [];
    const slow = async (attempt: number): Promise<string> => {
      attempts.push(attempt);
      clock.time += 2000; // each call takes 2 s
      throw transient();
    };
    await expect(withRetry(slow, policy({ attempts: 10, baseDelayMs: 500, maxDelayMs: 500, budgetMs: 5000 }), undefined, clock.deps())).rejects.toBeInstanceOf(Error);
    // t=2000 +500 ≤ 5000 → wait; t=4500 +500 ≤ 5000 → wait; t=7000 → over budget.
    expect(attempts).toEqual([1, 2, 3]);
    expect(clock.delays).toEqual([500, 500]);
  });
});
