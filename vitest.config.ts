import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks, not worker threads: each test file gets its own process, so the native addon
    // (and its thread pool) is loaded once per process and a crash takes down one file only.
    pool: 'forks',
    // Some tests run real training loops and gradient checks on the native core.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
