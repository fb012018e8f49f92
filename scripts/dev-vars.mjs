// Local secrets: `.dev.vars` (read by wrangler dev). Created with random values on first start so
// a fresh clone runs without hand-editing anything; never committed (.gitignore). Written as plain
// KEY=value lines (the values have no spaces or quotes), so `grep '^ADMIN_TOKEN=' .dev.vars | cut -d= -f2-`
// and `set -a; . ./.dev.vars; set +a` both give the values as they are.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export const DEV_VARS = ".dev.vars";

export function parseDevVars(text) {
  const vars = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
  }
  return vars;
}

export function readDevVars(path = DEV_VARS) {
  return existsSync(path) ? parseDevVars(readFileSync(path, "utf8")) : {};
}

/** Creates `.dev.vars` when missing; returns {created, vars}. */
export function ensureDevVars(path = DEV_VARS) {
  if (existsSync(path)) return { created: false, vars: readDevVars(path) };
  const vars = {
    WEBHOOK_SECRET: `whsec_${randomBytes(32).toString("base64")}`,
    ADMIN_TOKEN: randomBytes(24).toString("hex"),
  };
  const text =
    "# Local secrets for `npm start` (wrangler dev). Generated on first start; safe to edit or delete.\n" +
    Object.entries(vars).map(([k, v]) => `${k}=${v}`).join("\n") +
    "\n";
  writeFileSync(path, text, { mode: 0o600 });
  return { created: true, vars };
}
