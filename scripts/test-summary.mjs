#!/usr/bin/env node
/**
 * The closing line of a test run, "N passed, M failed", computed so that it cannot read green over
 * a broken run: every test file vitest should have run (`vitest list --filesOnly --json`) must
 * appear in its JSON report with a passing status. A file that failed to start, crashed, or was
 * never reported counts as one failed test; so does a run whose runner exited non-zero while its
 * report counts no failure (an unhandled error outside any test).
 *
 *   node scripts/test-summary.mjs <expected-files.json> <vitest-report.json> <runner-exit-code>
 *
 * Exits 0 only when nothing failed and the runner itself exited 0.
 */
import { readFileSync } from "node:fs";

const [expectedPath, reportPath, exitCodeArg] = process.argv.slice(2);
if (!expectedPath || !reportPath) {
  console.error("usage: test-summary.mjs <expected-files.json> <vitest-report.json> <runner-exit-code>");
  process.exit(2);
}
const runnerExit = Number(exitCodeArg ?? "1");

/** @returns {unknown} the parsed file, or undefined when it is missing or not JSON */
function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
}

const expected = readJson(expectedPath);
const report = readJson(reportPath);
const problems = [];

if (!Array.isArray(expected) || expected.length === 0) problems.push(`no list of expected test files in ${expectedPath}`);
if (report === undefined || typeof report !== "object") problems.push(`no JSON report in ${reportPath}`);

const results = Array.isArray(report?.testResults) ? report.testResults : [];
const statusByFile = new Map(results.map((r) => [r.name, r.status]));
let passed = Number(report?.numPassedTests ?? 0);
let failed = Number(report?.numFailedTests ?? 0);
const skipped = Number(report?.numPendingTests ?? 0) + Number(report?.numTodoTests ?? 0);

for (const { file } of Array.isArray(expected) ? expected : []) {
  const status = statusByFile.get(file);
  if (status === "passed") continue;
  // A failed file with failing tests is already counted through them; one that failed without a
  // failing test (it did not start, or threw at import) is not, so it counts once here.
  const failedTests = results.find((r) => r.name === file)?.assertionResults?.filter((a) => a.status === "failed").length ?? 0;
  if (failedTests === 0) failed += 1;
  problems.push(`${status === undefined ? "did not run" : status}: ${file}`);
}
if (runnerExit !== 0 && failed === 0) {
  failed = 1;
  problems.push(`the test runner exited ${runnerExit} although every file passed (an error outside the tests)`);
}
if (Number.isNaN(passed)) passed = 0;

for (const p of problems) console.log(`test-summary: ${p}`);
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ""));
process.exit(failed === 0 && runnerExit === 0 && problems.length === 0 ? 0 : 1);
