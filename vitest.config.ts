import { configDefaults, defineConfig } from 'vitest/config';

// Two projects: fast unit tests next to the code (plus the checks of the ops files under
// test/ops/: dashboards, alert rules, compose, Dockerfile), and integration tests that talk to a
// real Kafka broker (started once per run by test/harness/kafka/global-setup.ts) and the sandbox.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/ops/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/ops/**'],
          environment: 'node',
          globalSetup: ['test/harness/kafka/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
