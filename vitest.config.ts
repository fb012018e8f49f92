import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Two projects:
 * - `unit`: pure modules (src/**\/*.test.ts) in Node: fast, no Worker globals needed.
 * - `workers`: integration tests (test/**\/*.test.ts) inside workerd with real local KV,
 *   driving the Worker through SELF.fetch and the scheduled handler.
 */
export default defineConfig({
  test: {
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
            wrangler: { configPath: "./wrangler.jsonc" },
            miniflare: {
              bindings: {
                WEBHOOK_SECRET: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                ADMIN_TOKEN: "test-admin-token",
                PUBLIC_ORIGIN: "",
                ALLOW_PRIVATE_SOURCES: "true",
              },
            },
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
        },
      },
    ],
  },
});
