import { ProcessConfirmations } from '../../lib/guard/confirmations';

function setup() {
  let now = 0;
  return { confirmations: new ProcessConfirmations(() => now), advance: (ms: number) => (now += ms) };
}

test('a token confirms exactly the previewed message, once', () => {
  const { confirmations } = setup();
  const token = confirmations.issue('+14155550100', 'Hi', []);
  expect(token).toMatch(/^[A-Za-z0-9_-]{12}$/);
  expect(confirmations.redeem(token, '+14155550100', 'Hi there', [])).toBe(false);
  expect(confirmations.redeem(token, '+14155550101', 'Hi', [])).toBe(false);
  expect(confirmations.redeem(token, '+14155550100', 'Hi', [], '2026-12-01T00:00:00Z')).toBe(false);
  expect(confirmations.redeem(token, '+14155550100', ' Hi ', [])).toBe(true);
  expect(confirmations.redeem(token, '+14155550100', 'Hi', [])).toBe(false);
});

test('tokens expire after 10 minutes and are unguessable', () => {
  const { confirmations, advance } = setup();
  const token = confirmations.issue('+14155550100', 'Hi', []);
  expect(confirmations.issue('+14155550100', 'Hi', [])).not.toBe(token);
  advance(10 * 60_000);
  expect(confirmations.redeem(token, '+14155550100', 'Hi', [])).toBe(false);
  expect(confirmations.redeem('guess', '+14155550100', 'Hi', [])).toBe(false);
});
