/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- a CommonJS Jest config, like the root jest.config.js */
/**
 * The long reliability runs (20+ kill -9 cycles, 10,000+ fuzzed requests), outside `npm test`:
 *   npm run test:reliability        (= npm run build && jest -c test/reliability/jest.long.config.js --runInBand)
 * Everything else (transform, module aliases) comes from the main config.
 */
const base = require('../../jest.config.js');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  rootDir: '../..',
  roots: ['<rootDir>/test/reliability/long'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  testTimeout: 30 * 60_000,
};
