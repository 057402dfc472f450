// End-to-end tests: real Chromium against the browser-mode server. Expects `npm run build` done
// (the renderer is served from dist/renderer); builds nothing itself.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
  },
});
