import type { Env as TagfeedEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends TagfeedEnv {}
    // Types `exports` of "cloudflare:workers" from the Worker's main module (src/index.ts).
    interface GlobalProps {
      mainModule: typeof import("../src/index");
    }
  }
}
