/**
 * Child processes for the end-to-end suite. Servers are spawned detached, so each leads its own
 * process group and everything it starts (wrangler's workerd, esbuild) is stopped with it by one
 * signal to the group. Commands run to completion with a time limit and captured output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

export interface GroupProcess {
  child: ChildProcess;
  pid: number;
  /** SIGTERM to the group, then SIGKILL after `graceMs` if any member is still there. */
  stop(graceMs?: number): Promise<void>;
  /** Synchronous last resort (process exit, signal handlers). */
  killNow(): void;
}

/** Spawns `command` as the leader of a new process group; stdout and stderr go to `logFile`. */
export function spawnGroup(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string }): GroupProcess {
  const log = createWriteStream(options.logFile, { flags: "a" });
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  const signalGroup = (signal: NodeJS.Signals): boolean => {
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false; // ESRCH: the group is gone
    }
  };
  const groupAlive = (): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  return {
    child,
    pid,
    killNow: () => void signalGroup("SIGKILL"),
    async stop(graceMs = 5000) {
      if (!signalGroup("SIGTERM")) return;
      const deadline = Date.now() + graceMs;
      while (groupAlive() && Date.now() < deadline) await sleep(100);
      if (groupAlive()) signalGroup("SIGKILL");
      while (groupAlive() && Date.now() < deadline + 2000) await sleep(50);
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (its own process group, killed whole after `timeoutMs`). */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      reject(new Error(`${command} ${args.join(" ")}: no answer within ${options.timeoutMs ?? 60_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on("error", () => {}); // a program that exits without reading: its exit code tells
      child.stdin.end(options.input);
    }
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
