import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    setupFiles: ["test/support/remove-temp-dirs.ts"],
    // Builds datasets/*.parquet from ../shared/datasets once (cached), for the tests on real data.
    globalSetup: ["test/support/derived-tables.ts"]
  }
})
