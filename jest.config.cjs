// Jest on Node 20 cannot require() the ESM-only NestJS 12 packages, so SWC compiles both our
// TypeScript and those packages to CommonJS (Jest can require() ESM only on Node 24.9 and later).
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
const esmOnly = [
  '@nestjs',
  // @kubernetes/client-node (the scaler's Kubernetes actuator) and its ESM-only dependencies.
  '@kubernetes',
  'openid-client',
  'oauth4webapi',
  'jose',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
];
const shared = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)s$': ['@swc/jest', swc] },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  moduleNameMapper: {
    '^@evento/contracts$': '<rootDir>/libs/contracts/src',
    '^@evento/platform$': '<rootDir>/libs/platform/src',
    '^@evento/testing$': '<rootDir>/libs/testing/src',
    '^@evento/sdk$': '<rootDir>/libs/sdk/src',
    '^@evento/sdk/nest$': '<rootDir>/libs/sdk/src/nest',
  },
};

module.exports = {
  // Integration tests share one NATS server and its subjects, so files run one at a time.
  maxWorkers: 1,
  // Jest reads the timeout only at the top level (a project's own is ignored). Integration tests
  // boot apps and drop databases, which can take seconds on a loaded machine.
  testTimeout: 60000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,examples}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: [
        '<rootDir>/test/**/*.e2e-spec.ts',
        '<rootDir>/apps/*/test/**/*.e2e-spec.ts',
        '<rootDir>/examples/*/test/**/*.e2e-spec.ts',
      ],
    },
  ],
};
