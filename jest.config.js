/** @type {import('jest').Config} */
const aliases = ['domain', 'event-store', 'read-store', 'projections', 'application'];
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/test/bench/', '<rootDir>/test/reliability/long/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: Object.fromEntries(
    aliases.flatMap((name) => [
      [`^@rdm/${name}$`, `<rootDir>/libs/${name}`],
      [`^@rdm/${name}/(.*)$`, `<rootDir>/libs/${name}/$1`],
    ]),
  ),
  collectCoverageFrom: ['libs/**/*.ts', 'apps/**/*.ts', '!**/*.spec.ts', '!**/*.contract.ts', '!**/index.ts'],
  coverageReporters: ['text-summary', 'lcov'],
  testTimeout: 60000,
};
