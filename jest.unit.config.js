/**
 * The fast in-process layer (`npm run test:unit`): every file in test/unit/ (the store, the send
 * path, the webhook handlers and the pure modules, against fakes or the emulator's in-process
 * server), with no build step and no child process. `npm test` runs these same files once, in the
 * "default" project of jest.config.js, whose root test/ contains test/unit/.
 *
 * Not here: test/emulator/*.test.ts. They are in-process too, but add about a third to the CPU
 * time (≈11 s of ≈35 s), which takes the run past 30 s on this 2-core machine; `npm test` runs them.
 *
 * Transpile-only: tsconfig.json sets `isolatedModules`, so ts-jest 29 already compiles each file on
 * its own (ts.transpileModule, no type checking, cached across runs); `npm run typecheck` (part of
 * `npm test`) checks the types. Two workers: the run is CPU-bound, and jest's default on two cores is one.
 * @type {import('jest').Config}
 */
module.exports = {
  displayName: 'unit',
  rootDir: __dirname,
  testEnvironment: 'node',
  roots: ['<rootDir>/test/unit'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 30000,
  maxWorkers: 2,
};
