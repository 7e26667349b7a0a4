// ESM Jest: middy 7 is ESM-only, so tests run as ES modules (ts-jest default-esm preset,
// started with NODE_OPTIONS=--experimental-vm-modules by `npm test`).
// Integration tests share one lab for the whole run (globalSetup/globalTeardown).
const transform = { '^.+\\.ts$': ['ts-jest', { useESM: true }] };
const common = { extensionsToTreatAsEsm: ['.ts'], transform, testEnvironment: 'node' };

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...common, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    {
      ...common,
      displayName: 'lab',
      testMatch: ['<rootDir>/test/lab/**/*.test.ts'],
      globalSetup: '<rootDir>/test/lab/global-setup.mjs',
      globalTeardown: '<rootDir>/test/lab/global-teardown.mjs',
      testEnvironment: '<rootDir>/test/lab/lab-environment.mjs',
      setupFilesAfterEnv: ['<rootDir>/test/lab/setup.ts'],
    },
  ],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.cjs'],
  // Some lab files disturb their lab (pause MM2, stop a broker): one file at a time per lab.
  // `npm test` gives the lab project LAB_WORKERS workers (default 2), each with a lab of its own (test/run.mjs).
  maxWorkers: 1,
  testTimeout: 120000,
};
