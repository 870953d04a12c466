// Browser tests (test/e2e): headless Debian chromium driven by playwright-core against the real app,
// PostgreSQL and Redis. Run with `npm run test:e2e`; kept out of the default run because they are slow.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 90_000,
    fileParallelism: false,
  },
});
