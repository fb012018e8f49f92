/**
 * The first hour of a new operator, checked as they would meet it: `.dev.vars` read with the
 * shell's own tools, every wrangler command README's deploy section gives exists as written, and
 * `wrangler deploy --dry-run` bundles the Worker with the bindings the config names. Needs no
 * account and no network (a dry run contacts nothing).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDevVars } from "../../scripts/dev-vars.mjs";
import { run } from "./support/processes";

const REPO_ROOT = join(import.meta.dirname, "../..");
const WRANGLER = join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");
const scratch = mkdtempSync(join(tmpdir(), "tagfeed-tooling-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const wrangler = (args: string[]) =>
  run(process.execPath, [WRANGLER, ...args], {
    cwd: REPO_ROOT,
    timeoutMs: 120_000,
    env: { ...process.env, WRANGLER_LOG: "log", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
  });

/** The `npx wrangler ...` lines of a README section, without their comments. */
function wranglerCommands(section: string): string[][] {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf(`## ${section}`);
  if (start < 0) throw new Error(`README has no section "${section}"`);
  const body = readme.slice(start, readme.indexOf("\n## ", start + 3));
  return [...body.matchAll(/^npx wrangler ([^#\n]+)/gm)].map((m) => m[1]!.trim().split(/\s+/));
}

describe("a new operator's first hour", () => {
  it(".dev.vars gives its values to grep | cut and to the shell's `.`", async () => {
    const path = join(scratch, ".dev.vars");
    const { created, vars } = ensureDevVars(path);
    expect(created).toBe(true);
    const cut = await run("bash", ["-c", `grep '^WEBHOOK_SECRET=' ${path} | cut -d= -f2-`]);
    expect(cut.stdout.trim()).toBe(vars.WEBHOOK_SECRET);
    const sourced = await run("bash", ["-c", `set -a; . ${path}; set +a; printf '%s\\n%s' "$WEBHOOK_SECRET" "$ADMIN_TOKEN"`]);
    expect(sourced.stdout.split("\n")).toEqual([vars.WEBHOOK_SECRET, vars.ADMIN_TOKEN]);
    expect(vars.WEBHOOK_SECRET).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
  });

  it("every wrangler command of README's deploy section exists as written", async () => {
    const commands = wranglerCommands("Deploying to Cloudflare");
    expect(commands.map((c) => c.join(" "))).toEqual(
      expect.arrayContaining(["login", "queues create tagfeed-refresh", "secret put WEBHOOK_SECRET", "secret put ADMIN_TOKEN", "deploy"]),
    );
    for (const command of commands) {
      // Wrangler answers an unknown subcommand with its parent's help, so the first line of the
      // help must name every word of the command: subcommands as written, arguments as
      // placeholders (`wrangler secret put <key>` for `secret put WEBHOOK_SECRET`).
      const help = await wrangler([...command, "--help"]);
      expect(help.code, `wrangler ${command.join(" ")} --help\n${help.stderr}`).toBe(0);
      const usage = help.stdout.trimStart().split("\n")[0]!.split(/\s+/).slice(1);
      const subcommands = usage.filter((word) => !/^[<[]/.test(word));
      const placeholders = usage.filter((word) => word.startsWith("<"));
      expect(command.slice(0, subcommands.length), usage.join(" ")).toEqual(subcommands);
      expect(command.length - subcommands.length, usage.join(" ")).toBe(placeholders.length);
    }
  }, 180_000);

  it("wrangler deploy --dry-run bundles the Worker with every binding of the config", async () => {
    const result = await wrangler(["deploy", "--dry-run", "--outdir", join(scratch, "dist")]);
    expect(result.code, result.stderr).toBe(0);
    const out = result.stdout;
    expect(out).toContain("--dry-run: exiting now.");
    for (const binding of ["env.KV", "env.WRITE_LIMITER", "env.ARTICLE_WRITER", "env.TAXONOMY_WRITER", "env.REFRESH_QUEUE", "env.PUBLIC_ORIGIN"]) expect(out).toContain(binding);
    // The bundle stays small enough for fast cold starts (and far below the free plan's 3 MiB).
    const gzip = /gzip: ([\d.]+) KiB/.exec(out);
    expect(Number(gzip?.[1])).toBeLessThan(1024);
  }, 120_000);
});
