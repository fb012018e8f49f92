/**
 * Global setup of the `e2e` vitest project: starts the real Worker under `wrangler dev` (workerd)
 * on a free loopback port with a fresh KV folder and its own secrets, submits the seed data
 * through the signed webhook, and hands the test files where to find it all (support/context.ts).
 *
 * The Worker runs as its own process group and is stopped by a signal to the group when the run
 * ends, when setup fails, and on SIGINT/SIGTERM/exit, so no workerd is ever left behind.
 * The repository's .dev.vars is neither read nor written: `--env-file` points at a file in the
 * temporary folder (wrangler 4 reads .dev.vars only when no --env-file is given).
 */
import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";
import type { E2eContext } from "./support/context";
import { freePort, type GroupProcess, sleep, spawnGroup } from "./support/processes";
import { seedWorker } from "./support/seed";
import { missingPackages } from "./support/tools";
import { newWebhookSecret } from "./support/webhook";

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ARTIFACTS_DIR = join(REPO_ROOT, "e2e-artifacts");
/** wrangler dev bundles and boots workerd: seconds here, more on a loaded CI machine. */
const READY_TIMEOUT_MS = 120_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  rmSync(ARTIFACTS_DIR, { recursive: true, force: true });
  mkdirSync(ARTIFACTS_DIR, { recursive: true });

  const missing = missingPackages();
  if (missing.length > 0) {
    const reason =
      `end-to-end suite skipped: Debian packages missing here: ${missing.join(", ")} ` +
      `(install them with: apt-get install ${missing.join(" ")}; .ci/run does)`;
    if (process.env.CI) throw new Error(`${reason}. CI must run the end-to-end suite.`);
    console.warn(`\n[e2e] ${reason}\n`);
    project.provide("e2e", { skip: reason, baseUrl: "", webhookSecret: "", adminToken: "", workDir: "", artifactsDir: ARTIFACTS_DIR, repoRoot: REPO_ROOT, seeded: [] });
    return async () => {};
  }

  const workDir = mkdtempSync(join(tmpdir(), "tagfeed-e2e-"));
  const webhookSecret = newWebhookSecret();
  const adminToken = randomBytes(24).toString("hex");
  const envFile = join(workDir, "worker.env");
  // ARCHIVE_SIZE: small archives, so the seeded feeds have chains of several (readers.e2e.test.ts).
  writeFileSync(envFile, `WEBHOOK_SECRET=${webhookSecret}\nADMIN_TOKEN=${adminToken}\nALLOW_PRIVATE_SOURCES=true\nARCHIVE_SIZE=20\n`, { mode: 0o600 });
  const logFile = join(workDir, "wrangler.log");

  const [port, inspectorPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const worker = spawnGroup(
    process.execPath,
    [
      join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--ip", "127.0.0.1",
      "--port", String(port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", join(workDir, "state"),
      "--env-file", envFile,
      "--test-scheduled",
      "--show-interactive-dev-session=false",
    ],
    {
      cwd: REPO_ROOT,
      // WRANGLER_LOG: vitest.config.ts quiets wrangler in the test process; the suite reads this
      // Worker's request log lines.
      env: { ...process.env, WRANGLER_LOG: "log", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1", FORCE_COLOR: "0" },
      logFile,
    },
  );
  const removeWorkDir = (): void => {
    if (process.env.E2E_KEEP === "1") console.log(`[e2e] kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  };
  const removeGuards = guardProcess(() => {
    worker.killNow();
    removeWorkDir();
  });

  let stopped = false;
  const teardown = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await worker.stop();
    removeGuards();
    if (existsSync(logFile)) copyFileSync(logFile, join(ARTIFACTS_DIR, "wrangler.log"));
    removeWorkDir();
  };

  try {
    const started = Date.now();
    await waitForHealth(baseUrl, worker, logFile);
    const seeded = await seedWorker(baseUrl, webhookSecret, REPO_ROOT);
    console.log(`[e2e] Worker ready on ${baseUrl} in ${Date.now() - started} ms; seeded ${seeded.length} submissions`);
    const context: E2eContext = { baseUrl, webhookSecret, adminToken, workDir, artifactsDir: ARTIFACTS_DIR, repoRoot: REPO_ROOT, seeded };
    project.provide("e2e", context);
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

async function waitForHealth(baseUrl: string, worker: GroupProcess, logFile: string): Promise<void> {
  let exited: string | undefined;
  worker.child.once("exit", (code, signal) => (exited = `exited with ${signal ?? code}`));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (response.ok && ((await response.json()) as { ok?: unknown }).ok === true) return;
    } catch {
      /* not listening yet */
    }
    await sleep(250);
  }
  const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-4000) : "(no log)";
  throw new Error(`wrangler dev ${exited ?? `not healthy within ${READY_TIMEOUT_MS} ms`}; its log:\n${log}`);
}

/**
 * Runs `cleanup` (synchronous: kill the Worker's group, remove the folder) if this process is
 * interrupted or exits without teardown. Returns the function that removes the guards.
 */
function guardProcess(cleanup: () => void): () => void {
  const onExit = (): void => cleanup();
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    // Let vitest's own handler (if any) wind down; otherwise end as the signal would have.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.on("exit", onExit);
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  process.once("SIGHUP", onSignal);
  return () => {
    process.off("exit", onExit);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onSignal);
  };
}
