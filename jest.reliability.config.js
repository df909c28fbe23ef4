/**
 * The reliability suite (issue #6): bad-input corpus, fault injection, a 2,000-message burst,
 * webhook security, secrets in logs, and a looping assistant, all through the real processes.
 * Run alone with `npm run test:reliability`; `npm test` (and so `.ci/run`) runs it as a project
 * of jest.config.js. Slow tests set their own, longer timeouts.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'reliability',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test/reliability'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/reliability/global-setup.ts',
  globalTeardown: '<rootDir>/test/reliability/global-teardown.ts',
};
