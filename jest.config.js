/**
 * `npm test`: every suite, with line coverage of lambdas/ (the handlers and everything they call). The run fails when
 * a folder of lambdas/, or the whole, is under 90 %.
 */
const LINES = { lines: 90 };

// Handlers build AWS SDK clients in the test workers, which inherit this: no notice about future Node versions.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testTimeout: 60000,
  collectCoverage: true,
  collectCoverageFrom: ['<rootDir>/lambdas/**/*.ts'],
  coverageReporters: ['text-summary'],
  coverageThreshold: {
    global: LINES,
    './lambdas/core/': LINES,
    './lambdas/handlers/': LINES,
    './lambdas/ledger/': LINES,
    './lambdas/shared/': LINES,
    './lambdas/stats/': LINES,
  },
};
