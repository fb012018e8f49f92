/**
 * Tells the configured WebSub hubs that feeds changed (requests built by feeds/websub.ts). Runs
 * in the hub object's run (hub/hub-object.ts), off every request's path; a hub that fails (network error, 429, 5xx) is tried
 * again after 1 s and 4 s, then given up and logged: readers' hubs also poll, so a lost ping only
 * delays a notification. Bounded: at most PING_ATTEMPTS fetches per request built.
 */
import type { PingRequest } from "../feeds/websub";

const PING_ATTEMPTS = 3;
const BACKOFF_MS = [1_000, 4_000];
const PING_TIMEOUT_MS = 5_000;

export interface PingReport {
  sent: number;
  failed: number;
}

export async function pingHubs(
  fetcher: (request: Request) => Promise<Response>,
  requests: readonly PingRequest[],
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<PingReport> {
  const report: PingReport = { sent: 0, failed: 0 };
  await Promise.all(
    requests.map(async ({ hub, body }) => {
      for (let attempt = 0; attempt < PING_ATTEMPTS; attempt++) {
        if (attempt > 0) await sleep(BACKOFF_MS[attempt - 1] ?? 4_000);
        const status = await fetcher(
          new Request(hub, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body,
            signal: AbortSignal.timeout(PING_TIMEOUT_MS),
          }),
        ).then(
          async (response) => {
            await response.body?.cancel();
            return response.status;
          },
          () => 0,
        );
        // 2xx: accepted; 4xx other than 429: the hub will not take it however often it is sent.
        if (status >= 200 && status < 300) {
          report.sent += 1;
          return;
        }
        if (status >= 400 && status < 500 && status !== 429) break;
      }
      report.failed += 1;
      console.error(JSON.stringify({ event: "websub_ping_failed", hub }));
    }),
  );
  return report;
}
