/**
 * Worker entry: HTTP through the Hono app; the cron trigger refreshes upstream sources.
 */
import { app } from "./app";
import type { Env } from "./env";

export default {
  fetch: app.fetch,
  async scheduled(_controller, _env, _ctx) {
    // Upstream refresh arrives with the sources issue; the trigger is wired so it can be tested now.
  },
} satisfies ExportedHandler<Env>;
