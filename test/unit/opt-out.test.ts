import { optOutChange, parseOptOutType } from '../../lib/opt-out';

test.each([
  // Twilio's default opt-out keywords, each alone in the body, any case.
  ['STOP', true], ['stop', true], [' Stop. ', true], ['STOPALL', true], ['unsubscribe', true], ['CANCEL', true], ['end', true], ['Quit!', true], ['REVOKE', true], ['optout', true],
  // Its opt-in keywords.
  ['START', false], ['yes', false], ['Unstop', false],
  // Anything else, HELP/INFO included, changes nothing.
  ['stop it', undefined], ['please STOP', undefined], ['STOP PLEASE', undefined], ['HELP', undefined], ['info', undefined], ['', undefined], ['ST OP', undefined], ['stopped', undefined], ['OPT OUT', undefined],
])('%p → %p', (body, expected) => {
  expect(optOutChange(body)).toBe(expected);
});

test("Advanced Opt-Out's OptOutType decides, whatever the body says", () => {
  expect(optOutChange('Arrêtez svp', 'STOP')).toBe(true);
  expect(optOutChange('STOP', 'START')).toBe(false);
  expect(optOutChange('STOP', 'HELP')).toBeUndefined();
});

test.each([
  ['STOP', 'STOP'], ['start', 'START'], ['HELP', 'HELP'], [undefined, undefined], ['', undefined], ['UNSUBSCRIBE', undefined],
])('OptOutType %p reads as %p', (value, expected) => {
  expect(parseOptOutType(value)).toBe(expected);
});
