import { messageKey, ProcessSendGuard, type GuardLimits, type Reservation } from '../../../lib/guard/send-guard';

const A = '+14155550100';
const B = '+447911123456';
const C = '+4915112345678';

class Clock {
  constructor(public t = 1_000_000) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

function setup(limits: Partial<GuardLimits> = {}): { guard: ProcessSendGuard; clock: Clock } {
  const clock = new Clock();
  const guard = new ProcessSendGuard({ duplicateWindowMs: 600_000, perMinute: 10, perRecipientPerMinute: 3, ...limits }, clock.now);
  return { guard, clock };
}

function ticketOf(reservation: Reservation): string {
  if (reservation.kind !== 'go') throw new Error(`expected go, got ${JSON.stringify(reservation)}`);
  return reservation.ticket;
}

/** Reserve and complete one send; returns its ticket. */
function send(guard: ProcessSendGuard, to: string, body: string, sid: string | null = `SM-${to}-${body}`, status = 'queued'): string {
  const ticket = ticketOf(guard.reserve(to, body));
  guard.complete(ticket, { sid, status });
  return ticket;
}

describe('messageKey', () => {
  test.each<[string, [string, string, string[]], [string, string, string[]], boolean]>([
    ['double spaces', [A, 'Hi  there', []], [A, 'Hi there', []], true],
    ['trailing and leading whitespace', [A, ' Hi there ', []], [A, 'Hi there', []], true],
    ['newline vs space', [A, 'Hi\nthere', []], [A, 'Hi there', []], true],
    ['media order', [A, 'x', ['https://a', 'https://b']], [A, 'x', ['https://b', 'https://a']], true],
    ['different text', [A, 'Hi there', []], [A, 'Hi there!', []], false],
    ['different case', [A, 'hi there', []], [A, 'Hi there', []], false],
    ['different recipient', [A, 'Hi', []], [B, 'Hi', []], false],
    ['different media', [A, 'x', ['https://a']], [A, 'x', ['https://b']], false],
    ['media vs none', [A, 'x', ['https://a']], [A, 'x', []], false],
    ['body containing a JSON separator cannot collide', [A, 'a","b', []], [A, 'a', ['b']], false],
  ])('%s → same key: %s', (_label, left, right, same) => {
    expect(messageKey(...left) === messageKey(...right)).toBe(same);
  });

  test('does not reorder the caller\'s media array', () => {
    const media = ['https://b', 'https://a'];
    messageKey(A, 'x', media);
    expect(media).toEqual(['https://b', 'https://a']);
  });
});

describe('SendGuard duplicates', () => {
  test('the same message within the window returns the prior sid and status', () => {
    const { guard, clock } = setup();
    const at = clock.t;
    send(guard, A, 'Hello', 'SM111', 'queued');
    clock.advance(599_999);
    expect(guard.reserve(A, 'Hello')).toEqual({ kind: 'duplicate', prior: { sid: 'SM111', status: 'queued', at } });
  });

  test.each([600_000, 600_001, 3_600_000])('after %i ms (window 600 000) the same message may be sent again', (elapsed) => {
    const { guard, clock } = setup({ perRecipientPerMinute: 0 });
    send(guard, A, 'Hello');
    clock.advance(elapsed);
    expect(guard.reserve(A, 'Hello').kind).toBe('go');
  });

  test.each(['Hello  world', ' Hello world', 'Hello world\n', 'Hello\tworld'])('a whitespace variant %j counts as a duplicate', (variant) => {
    const { guard } = setup();
    send(guard, A, 'Hello world', 'SM222', 'delivered');
    expect(guard.reserve(A, variant)).toMatchObject({ kind: 'duplicate', prior: { sid: 'SM222', status: 'delivered' } });
  });

  test.each<[string, string, string]>([
    ['another recipient', B, 'Hello'],
    ['another text', A, 'Hello again'],
  ])('%s is not a duplicate', (_label, to, body) => {
    const { guard } = setup();
    send(guard, A, 'Hello');
    expect(guard.reserve(to, body).kind).toBe('go');
  });

  test('media order does not defeat duplicate detection', () => {
    const { guard } = setup();
    const ticket = ticketOf(guard.reserve(A, 'pics', ['https://x/1', 'https://x/2']));
    guard.complete(ticket, { sid: 'MM1', status: 'sent' });
    expect(guard.reserve(A, 'pics', ['https://x/2', 'https://x/1'])).toMatchObject({ kind: 'duplicate', prior: { sid: 'MM1' } });
  });

  test('a send still in flight counts: the second call is refused as in-flight', () => {
    const { guard } = setup();
    const first = guard.reserve(A, 'Hello');
    expect(first.kind).toBe('go');
    expect(guard.reserve(A, 'Hello ')).toEqual({ kind: 'in-flight' });
  });

  test('an unknown outcome (sid null) is remembered as a duplicate too', () => {
    const { guard } = setup();
    send(guard, A, 'Hello', null, 'unknown');
    expect(guard.reserve(A, 'Hello')).toMatchObject({ kind: 'duplicate', prior: { sid: null, status: 'unknown' } });
  });

  test('duplicate window 0 remembers nothing', () => {
    const { guard } = setup({ duplicateWindowMs: 0, perRecipientPerMinute: 0 });
    send(guard, A, 'Hello');
    expect(guard.reserve(A, 'Hello').kind).toBe('go');
  });

  test('tickets are distinct', () => {
    const { guard } = setup();
    const tickets = [A, B, C].map((to) => ticketOf(guard.reserve(to, 'x')));
    expect(new Set(tickets).size).toBe(3);
  });
});

describe('SendGuard rate limits', () => {
  test('overall cap per minute, with retryAfterSeconds until the oldest send leaves the minute', () => {
    const { guard, clock } = setup({ perMinute: 2, perRecipientPerMinute: 0 });
    send(guard, A, 'one');
    clock.advance(10_000);
    send(guard, B, 'two');
    clock.advance(20_000);
    expect(guard.reserve(C, 'three')).toEqual({ kind: 'rate-limited', account: false, scope: 'overall', limit: 2, retryAfterSeconds: 30 });
    clock.advance(29_999);
    expect(guard.reserve(C, 'three')).toEqual({ kind: 'rate-limited', account: false, scope: 'overall', limit: 2, retryAfterSeconds: 1 });
    clock.advance(1);
    expect(guard.reserve(C, 'three').kind).toBe('go');
  });

  test('sends in flight count against the overall cap', () => {
    const { guard } = setup({ perMinute: 1, perRecipientPerMinute: 0 });
    ticketOf(guard.reserve(A, 'one'));
    expect(guard.reserve(B, 'two')).toEqual({ kind: 'rate-limited', account: false, scope: 'overall', limit: 1, retryAfterSeconds: 60 });
  });

  test('per-recipient cap, other recipients still allowed', () => {
    const { guard, clock } = setup({ perMinute: 0, perRecipientPerMinute: 2 });
    send(guard, A, 'one');
    clock.advance(5_000);
    send(guard, A, 'two');
    clock.advance(15_000);
    expect(guard.reserve(A, 'three')).toEqual({ kind: 'rate-limited', account: false, scope: 'recipient', limit: 2, retryAfterSeconds: 40 });
    expect(guard.reserve(B, 'three').kind).toBe('go');
    clock.advance(40_000);
    expect(guard.reserve(A, 'three').kind).toBe('go');
  });

  test('retryAfterSeconds for a recipient uses that recipient\'s oldest send', () => {
    const { guard, clock } = setup({ perMinute: 0, perRecipientPerMinute: 1 });
    send(guard, B, 'other');
    clock.advance(30_000);
    send(guard, A, 'one');
    clock.advance(5_000);
    expect(guard.reserve(A, 'two')).toEqual({ kind: 'rate-limited', account: false, scope: 'recipient', limit: 1, retryAfterSeconds: 55 });
  });

  test('a duplicate is reported as a duplicate even when the rate limit is reached', () => {
    const { guard } = setup({ perMinute: 1 });
    send(guard, A, 'one', 'SM1');
    expect(guard.reserve(A, 'one')).toMatchObject({ kind: 'duplicate', prior: { sid: 'SM1' } });
  });

  test('0 means no limit', () => {
    const { guard } = setup({ perMinute: 0, perRecipientPerMinute: 0 });
    const kinds = Array.from({ length: 50 }, (_, i) => {
      const reservation = guard.reserve(A, `message ${i}`);
      if (reservation.kind === 'go') guard.complete(reservation.ticket, { sid: `SM${i}`, status: 'queued' });
      return reservation.kind;
    });
    expect(new Set(kinds)).toEqual(new Set(['go']));
  });
});

describe('SendGuard release / complete / updateStatus', () => {
  test('release() does not remember the message, so it may be sent again', () => {
    const { guard } = setup();
    guard.release(ticketOf(guard.reserve(A, 'Hello')));
    expect(guard.reserve(A, 'Hello').kind).toBe('go');
  });

  test('release() still counts the attempt against the limits', () => {
    const { guard } = setup({ perMinute: 1, perRecipientPerMinute: 0 });
    guard.release(ticketOf(guard.reserve(A, 'Hello')));
    expect(guard.reserve(B, 'Other')).toMatchObject({ kind: 'rate-limited', account: false, scope: 'overall', limit: 1 });
  });

  test('release() counts against the per-recipient limit too', () => {
    const { guard } = setup({ perMinute: 0, perRecipientPerMinute: 1 });
    guard.release(ticketOf(guard.reserve(A, 'Hello')));
    expect(guard.reserve(A, 'Other')).toMatchObject({ kind: 'rate-limited', account: false, scope: 'recipient' });
    expect(guard.reserve(B, 'Other').kind).toBe('go');
  });

  test('complete() and release() with an unknown or used ticket change nothing', () => {
    const { guard } = setup({ perMinute: 1, perRecipientPerMinute: 0 });
    guard.complete('999', { sid: 'SMx', status: 'sent' });
    guard.release('998');
    const ticket = ticketOf(guard.reserve(A, 'Hello'));
    guard.complete(ticket, { sid: 'SM1', status: 'sent' });
    guard.complete(ticket, { sid: 'SM2', status: 'failed' });
    guard.release(ticket);
    expect(guard.reserve(A, 'Hello')).toMatchObject({ kind: 'duplicate', prior: { sid: 'SM1', status: 'sent' } });
    expect(guard.reserve(B, 'x')).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 60 });
  });

  test('updateStatus() changes the status a later duplicate reports', () => {
    const { guard } = setup();
    const first = send(guard, A, 'Hello', 'SM1', 'queued');
    send(guard, B, 'Hello', 'SM2', 'queued');
    guard.updateStatus(first, 'delivered');
    guard.updateStatus('404', 'failed');
    expect(guard.reserve(A, 'Hello')).toMatchObject({ kind: 'duplicate', prior: { sid: 'SM1', status: 'delivered' } });
    expect(guard.reserve(B, 'Hello')).toMatchObject({ kind: 'duplicate', prior: { sid: 'SM2', status: 'queued' } });
  });
});

describe('ProcessSendGuard account-wide caps', () => {
  test('the account caps count every send of this process, after its own caps', () => {
    const { guard } = setup({ perMinute: 0, perRecipientPerMinute: 0, accountPerMinute: 2 });
    send(guard, A, 'one');
    send(guard, B, 'two');
    expect(guard.reserve(C, 'three')).toEqual({ kind: 'rate-limited', account: true, scope: 'overall', limit: 2, retryAfterSeconds: 60 });
  });

  test('a daily cap holds for the day', () => {
    const { guard, clock } = setup({ perMinute: 0, perRecipientPerMinute: 0, perDay: 2 });
    send(guard, A, 'one');
    clock.advance(3_600_000);
    send(guard, B, 'two');
    clock.advance(3_600_000);
    expect(guard.reserve(C, 'three')).toMatchObject({ kind: 'rate-limited', account: false, scope: 'day', limit: 2 });
  });
});
