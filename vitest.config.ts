import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Training and import tests are CPU-heavy; two files at a time matches the two cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
