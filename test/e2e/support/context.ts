/**
 * What the global setup (../global-setup.ts) hands the test files, and the one way they read it.
 */
import { describe, inject, it } from "vitest";
import type { SeedRecord } from "./seed";

export interface E2eContext {
  /** Set when the suite cannot run here (tools missing outside CI): every test is skipped with it. */
  skip?: string;
  /** The Worker under wrangler dev, e.g. http://127.0.0.1:41234 (no trailing slash). */
  baseUrl: string;
  webhookSecret: string;
  adminToken: string;
  /** A fresh temporary folder for this run (removed at the end unless E2E_KEEP=1). */
  workDir: string;
  /** e2e-artifacts/ in the repository: screenshots and client logs, kept for CI. */
  artifactsDir: string;
  repoRoot: string;
  seeded: SeedRecord[];
}

declare module "vitest" {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}

export function e2e(): E2eContext {
  return inject("e2e");
}

/**
 * A suite that runs only where the tools are: elsewhere its tests are skipped and one test, also
 * skipped, carries the reason (vitest prints it beside the skip).
 */
export function e2eDescribe(name: string, body: () => void): void {
  const { skip } = e2e();
  if (skip) it(`${name}: skipped`, (test) => test.skip(skip));
  describe.skipIf(skip !== undefined)(name, body);
}
