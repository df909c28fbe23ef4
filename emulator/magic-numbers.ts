/**
 * Twilio's magic test sender (https://www.twilio.com/docs/iam/test-credentials): always valid as a
 * From. The emulator's account owns it by default, and the sandbox, the demo, the benchmarks and
 * the tests use it as our number; one name for it everywhere.
 */
export const MAGIC_FROM_NUMBER = '+15005550006';
