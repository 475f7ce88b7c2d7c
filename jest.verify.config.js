/**
 * `npm run verify`: the property suites at full strength — each of the eleven handlers fuzzed 1000 times
 * (test/fuzz), 3000 tamper mutations through the chain functions and 3000 through `warden audit verify`, and the
 * concurrent appenders — with a summary of how each handler answered. `npm test` runs the same suites with fewer
 * runs. Counts already set in the environment win.
 */
process.env.WARDEN_FUZZ_RUNS ??= '1000';
process.env.WARDEN_TAMPER_RUNS ??= '3000';
process.env.WARDEN_FUZZ_SUMMARY ??= '1';

const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  // A subset of the suites: the coverage gate is npm test's.
  collectCoverage: false,
  testMatch: [
    '<rootDir>/test/fuzz/**/*.test.ts',
    '<rootDir>/test/ledger/audit-chain-tamper.test.ts',
    '<rootDir>/test/ledger/audit-concurrency.test.ts',
  ],
};
