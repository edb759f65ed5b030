/**
 * One jest run for the whole repo: unit tests beside each action and package, cross-action
 * and end-to-end tests under test/. TypeScript is transpiled per file (type errors are
 * `npm run typecheck`'s job), as native ESM.
 * @type {import('jest').Config}
 */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testMatch: ['<rootDir>/{actions,packages,test}/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  // The demo builds the sample app into dist/ folders (with a copy of package.json) and keeps
  // its own tools and outputs: none of them is a module of ours, and two package.json files of
  // one name make jest's module map warn of a collision.
  modulePathIgnorePatterns: [
    '<rootDir>/examples/sample-app/[^/]+/dist/',
    '<rootDir>/demo-output/',
    '<rootDir>/bench-output/',
    '<rootDir>/.tools/',
    '<rootDir>/.tmp/',
  ],
  // Tests that start moto, PostgreSQL or run bundles need more than the default 5 s.
  testTimeout: 60_000,
  maxWorkers: 2,
};
