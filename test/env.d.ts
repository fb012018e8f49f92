// The test-only binding vitest.config.ts adds beside the Worker's own (src/worker-configuration.d.ts).
declare namespace Cloudflare {
  interface Env {
    TEST_TIGHT_LIMITER: RateLimit;
  }
}
