import type { Env as TagfeedEnv } from "../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends TagfeedEnv {}
  }
}
