/**
 * The Hono app's environment. `Env`, the Worker's bindings and vars, is generated from
 * wrangler.jsonc by `npm run types` (src/worker-configuration.d.ts); `npm run check` fails when the
 * generated file is out of date.
 */
export type AppEnv = { Bindings: Env };
