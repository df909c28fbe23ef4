import { optOutChange } from '../../lib/opt-out';

test.each([
  ['STOP', true], ['stop', true], [' Stop. ', true], ['STOPALL', true], ['unsubscribe', true], ['CANCEL', true], ['end', true], ['Quit!', true],
  ['START', false], ['yes', false], ['Unstop', false],
  ['stop it', undefined], ['please STOP', undefined], ['HELP', undefined], ['', undefined], ['ST OP', undefined], ['stopped', undefined],
])('%p → %p', (body, expected) => {
  expect(optOutChange(body)).toBe(expected);
});
