/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 30000,
  // Two projects in one run: the unit, emulator and end-to-end tests, and the reliability suite
  // (its own config, jest.reliability.config.js, also run alone by `npm run test:reliability`).
  projects: [
    {
      displayName: 'default',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/reliability/'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
      testTimeout: 30000,
    },
    '<rootDir>/jest.reliability.config.js',
  ],
};
