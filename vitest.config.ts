import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Suites share one Redis and one PostgreSQL server; each uses its own prefix/schema,
    // but on a 2-core machine running files one at a time keeps timings sane.
    fileParallelism: false,
    reporters: ['default'],
  },
});
