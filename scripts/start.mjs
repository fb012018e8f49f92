#!/usr/bin/env node
// `npm start`: the Worker under wrangler dev on http://127.0.0.1:8787 with KV on disk under
// .wrangler/state, the cron handler reachable at /__scheduled, and no network needed.
import { spawn } from "node:child_process";
import { ensureDevVars } from "./dev-vars.mjs";

const port = process.env.PORT ?? "8787";
const { created, vars } = ensureDevVars();
if (created) {
  console.log("Created .dev.vars with fresh local secrets:");
  console.log(`  WEBHOOK_SECRET=${vars.WEBHOOK_SECRET}`);
  console.log(`  ADMIN_TOKEN=${vars.ADMIN_TOKEN}`);
}
console.log(`
tagfeed on http://127.0.0.1:${port}
  submit the seed article:  npm run submit -- test/fixtures/seed-article.json
  run the cron handler:     curl 'http://127.0.0.1:${port}/__scheduled?cron=*/10+*+*+*+*'
`);

const child = spawn(
  process.execPath,
  [
    "node_modules/wrangler/bin/wrangler.js",
    "dev",
    "--ip", "127.0.0.1",
    "--port", port,
    "--test-scheduled",
    "--persist-to", ".wrangler/state",
    "--show-interactive-dev-session=false",
    ...process.argv.slice(2),
  ],
  {
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
