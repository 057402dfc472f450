import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    // Timeouts only catch hangs (speed targets live in `npm run bench`): generous, because face
    // analysis and training slow down several-fold when the machine is busy.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Training and import tests are CPU-heavy; two files at a time matches the two cores.
    maxWorkers: 2,
    pool: 'forks',
  },
});
