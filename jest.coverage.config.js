/**
 * `npm run coverage`: line coverage of lambdas/ from the suites that exercise the handlers and what they call (unit,
 * handler, ledger, state machine and fuzz tests); fails when a folder of lambdas/, or the whole, is under 90 %.
 */
const base = require('./jest.config');

const LINES = { lines: 90 };

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/{unit,handlers,ledger,statemachines,fuzz}/**/*.test.ts'],
  collectCoverage: true,
  collectCoverageFrom: ['<rootDir>/lambdas/**/*.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: {
    global: LINES,
    './lambdas/core/': LINES,
    './lambdas/handlers/': LINES,
    './lambdas/ledger/': LINES,
    './lambdas/shared/': LINES,
    './lambdas/stats/': LINES,
  },
};
