/**
 * `npm run coverage`: the same lambdas/ coverage gate as `npm test` (jest.config.js), from the suites that exercise the
 * handlers directly (unit, handler, ledger, state machine and fuzz tests), with a per-file table.
 */
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/{unit,handlers,ledger,statemachines,fuzz}/**/*.test.ts'],
  coverageReporters: ['text-summary', 'text'],
};
