import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests next to the code, and integration tests that talk to a real
// Kafka broker (started once per run by test/harness/kafka/global-setup.ts) and the sandbox.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/harness/kafka/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
