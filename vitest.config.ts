import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { configDefaults, defineConfig } from "vitest/config";
import { mockUpstream } from "./test/fixtures/upstream/mock-upstream.mjs";
import { wranglerConfigWithoutDevVars } from "./test/support/wrangler-config.mjs";

// Wrangler, loaded in this process to read wrangler.jsonc, announces where it found secrets on
// every test file's start; warnings and errors still show.
process.env.WRANGLER_LOG ??= "warn";

/**
 * Three projects:
 * - `unit`: pure modules (src/**\/*.test.ts) in Node: fast, no Worker globals needed.
 * - `workers`: integration tests (test/**\/*.test.ts) inside workerd with real local KV,
 *   driving the Worker through SELF.fetch and the scheduled handler.
 * - `e2e`: the end-to-end suite (test/e2e/**\/*.e2e.test.ts) in Node against the real Worker under
 *   `wrangler dev`, with real clients (newsboat, feedparser, Chromium) and validators; its global
 *   setup starts and stops the Worker. `npm run e2e` runs it alone.
 */
export default defineConfig({
  test: {
    // Quiet unless something fails: the logs of passing tests (expected fault-injection errors
    // among them) stay off the console.
    silent: "passed-only",
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        plugins: [
          cloudflareTest({
            main: "./src/index.ts",
            wrangler: { configPath: wranglerConfigWithoutDevVars() },
            miniflare: {
              // vitest's own runner imports node:inspector inside workerd; the Worker needs no Node APIs.
              compatibilityFlags: ["nodejs_compat"],
              bindings: {
                WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                ADMIN_TOKEN: "test-admin-token",
                PUBLIC_ORIGIN: "",
                ALLOW_PRIVATE_SOURCES: "true",
                // A queued refresh's retries 1, 2 and 4 s apart (30, 60, 120 in wrangler.jsonc), so
                // test/queue.test.ts follows one through the real local queue to its dead letter.
                REFRESH_RETRY_SECONDS: "1",
              },
              // wrangler.jsonc's write limit (120/min per IP) would throttle the suite, whose requests
              // all come from one "unknown" client: here it is out of reach, and a second, tiny one
              // (3 a minute) is what test/rate-limit.test.ts swaps in to see the 429.
              ratelimits: {
                WRITE_LIMITER: { namespace_id: "9001", simple: { limit: 1_000_000, period: 60 } },
                TEST_TIGHT_LIMITER: { namespace_id: "9002", simple: { limit: 3, period: 60 } },
              },
              // Every outbound fetch of the Worker: upstream.example serves the fixture feeds of
              // test/fixtures/upstream (refresh tests); other hosts pass through.
              outboundService: mockUpstream,
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          // Generous: a timeout here guards against hangs, it measures nothing (2 cores in CI).
          testTimeout: 30_000,
          exclude: [...configDefaults.exclude, "test/e2e/**"],
        },
      },
      {
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.e2e.test.ts"],
          environment: "node",
          globalSetup: ["test/e2e/global-setup.ts"],
          // One Worker serves every file; files one at a time keep its state predictable.
          fileParallelism: false,
          // After the unit and workers projects (group 0): a browser, wrangler and readers on two
          // cores would otherwise slow the workerd tests past their timeouts.
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
