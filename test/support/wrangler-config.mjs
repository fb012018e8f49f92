// The workerd tests run the Worker with wrangler.jsonc's bindings, but never with the developer's
// own secrets: wrangler reads `.dev.vars` from the folder of the config it is given, so the tests
// get a copy of the config in a folder of their own (the bindings in vitest.config.ts supply the
// secrets).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Writes .wrangler/test-config/wrangler.jsonc (main made absolute) and returns its path. */
export function wranglerConfigWithoutDevVars() {
  const source = readFileSync(join(ROOT, "wrangler.jsonc"), "utf8");
  const main = /"main"\s*:\s*"([^"]+)"/.exec(source)?.[1];
  if (!main) throw new Error("wrangler.jsonc has no main");
  const copy = source
    .replace(/"main"\s*:\s*"[^"]+"/, `"main": ${JSON.stringify(join(ROOT, main))}`)
    .replace(/"\$schema"\s*:\s*"[^"]+",?/, "");
  const dir = join(ROOT, ".wrangler", "test-config");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, "wrangler.jsonc");
  writeFileSync(path, copy);
  // The config names its required secrets; placeholders here keep wrangler from warning that they
  // are missing (vitest.config.ts's bindings give the values the tests use).
  writeFileSync(join(dir, ".dev.vars"), "WEBHOOK_SECRET=placeholder\nADMIN_TOKEN=placeholder\n");
  return path;
}
