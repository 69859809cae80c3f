import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Removes each test file's temporary folders once it is done (test/support/cleanup.ts).
    setupFiles: ['test/support/cleanup.ts'],
  },
});
