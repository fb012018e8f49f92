/**
 * The Worker's own account of what it answered: wrangler dev logs one line per request
 * ("[wrangler:info] GET /feeds/x.rss?limit=11 304 Not Modified (3ms)") to the log file the global
 * setup keeps in the run's folder. Lets a test see what a client that prints nothing was told.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sleep } from "./processes";

/** Statuses answered to `GET {pathAndQuery}`, in order; waits up to 5 s for `count` of them. */
export async function serverAnswers(workDir: string, pathAndQuery: string, count: number): Promise<number[]> {
  const escaped = pathAndQuery.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const line = new RegExp(`\\bGET ${escaped} (\\d{3}) `, "g");
  let statuses: number[] = [];
  for (let i = 0; i < 50; i++) {
    const log = readFileSync(join(workDir, "wrangler.log"), "utf8");
    statuses = [...log.matchAll(line)].map((m) => Number(m[1]));
    if (statuses.length >= count) break;
    await sleep(100);
  }
  return statuses;
}
