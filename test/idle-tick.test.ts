/**
 * What a cron tick with nothing due costs in KV, counted (store/guard.ts): the Worker's own
 * operations through a counting binding, the article writers' from their sweep report; and which
 * article writer calls it makes (their sweep, no claim). With and without the refresh queue. And
 * the full index sweep, now the operator's `POST /api/admin/repair`.
 */
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import type { Source } from "../src/domain/source";
import type { ArticleWriter } from "../src/store/article-writer";
import { guardKv, newKvCounts, totalKvOps } from "../src/store/guard";
import { getSource, putSource } from "../src/store/sources";
import { adminHeaders, call, json, makeArticle, submit, uniqueId } from "./helpers";

/** The article writers, recording the name of every method called on them. */
function recordingWriters(calls: string[]): DurableObjectNamespace<ArticleWriter> {
  const namespace = env.ARTICLE_WRITER;
  return new Proxy(namespace, {
    get(target, property, receiver) {
      if (property !== "getByName") {
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (name: string) => {
        const stub = target.getByName(name);
        return new Proxy(stub, {
          get(inner, method) {
            const value: unknown = Reflect.get(inner, method);
            if (typeof value !== "function") return value;
            return (...args: unknown[]) => {
              calls.push(String(method));
              // Reflect.apply: an RPC stub's method would take `.apply` for another remote method.
              return Reflect.apply(value, inner, args);
            };
          },
        });
      };
    },
  });
}

/**
 * Runs one tick at 03:05 UTC (the hour the full sweep used to run in), or at another minute (35:
 * the hourly retention sweep's); returns its KV count and writer calls.
 */
async function countedTick(base: Partial<Cloudflare.Env>, minute = 5): Promise<{ worker: ReturnType<typeof newKvCounts>; writers: number; calls: string[]; events: string[] }> {
  const counts = newKvCounts();
  const calls: string[] = [];
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
  try {
    const ctx = createExecutionContext();
    const controller = createScheduledController({ scheduledTime: Date.UTC(2026, 0, 1, 3, minute), cron: "*/10 * * * *" });
    await worker.scheduled(controller, { ...base, KV: guardKv(env.KV, counts), ARTICLE_WRITER: recordingWriters(calls) } as Cloudflare.Env, ctx);
    await waitOnExecutionContext(ctx);
  } finally {
    spy.mockRestore();
  }
  const logged = lines.map((line) => JSON.parse(line) as { event?: string; kvOps?: number });
  const sweep = logged.find((e) => e.event === "writer_sweep");
  expect(sweep?.kvOps).toBeTypeOf("number");
  return { worker: counts, writers: sweep?.kvOps ?? 0, calls, events: logged.flatMap((e) => (e.event ? [e.event] : [])) };
}

/** A source that is not due for another hour. */
async function notDueSource(): Promise<Source> {
  const response = await call("/api/sources", {
    method: "POST",
    headers: { ...adminHeaders(), "content-type": "application/json" },
    body: JSON.stringify({ url: `https://upstream.example/items/3?t=${uniqueId("idle")}` }),
  });
  expect(response.status).toBe(201);
  const { id } = await json<Source>(response);
  const source = await getSource(env.KV, id);
  if (!source) throw new Error("source not stored");
  const later = { ...source, next_due: new Date(Date.now() + 3_600_000).toISOString() };
  await putSource(env.KV, later);
  return later;
}

afterEach(() => vi.restoreAllMocks());

describe("an idle cron tick", () => {
  it("costs one KV list and nothing else, without and with the refresh queue, even at 03:00 UTC", async () => {
    await notDueSource();
    // Articles stored, so there would be something to sweep.
    expect((await submit(makeArticle({ id: uniqueId("idle-a") }))).status).toBe(201);
    const { REFRESH_QUEUE: _queue, ...withoutQueue } = env;
    const sent: unknown[] = [];
    const queue = { send: async (m: unknown) => void sent.push(m), sendBatch: async (ms: Iterable<unknown>) => void sent.push(...ms) } as unknown as Queue;
    for (const base of [withoutQueue, { ...env, REFRESH_QUEUE: queue }]) {
      const { worker: counts, writers, calls } = await countedTick(base);
      expect(counts.lists).toBeLessThanOrEqual(1);
      expect(totalKvOps(counts) + writers).toBeLessThanOrEqual(2);
      expect(writers).toBe(0);
      // Nothing due, nothing claimed: the writers hear only the sweep (and the archive and retention passes).
      expect(calls).toContain("sweep");
      expect(calls.filter((method) => /claim/i.test(method))).toEqual([]);
    }
    expect(sent).toHaveLength(0);
  });

  it("costs at most 2 KV operations, 1 of them a list, in the hour's retention tick too (rules set: the sweep runs)", async () => {
    await notDueSource();
    expect((await submit(makeArticle({ id: uniqueId("idle-r") }))).status).toBe(201);
    // A rule in force, so the sweep has its work to do: the source list it needs is the refresh's own.
    const taxonomy = await json<Record<string, unknown>>(await call("/api/taxonomy"));
    const put = await call("/api/taxonomy", {
      method: "PUT",
      headers: { ...adminHeaders(), "content-type": "application/json" },
      body: JSON.stringify({ ...taxonomy, retention: { all: { max_age_days: 3650 } } }),
    });
    expect(put.status).toBe(200);
    const { REFRESH_QUEUE: _queue, ...withoutQueue } = env;
    for (const base of [withoutQueue, env]) {
      const { worker: counts, writers, events } = await countedTick(base, 35);
      expect(events).toContain("retention_sweep");
      expect(counts.lists).toBe(1);
      expect(totalKvOps(counts) + writers).toBeLessThanOrEqual(2);
    }
  });
});

describe("POST /api/admin/repair", () => {
  it("needs the admin token, checks its budget, and sweeps in bounded steps until the pass is complete", async () => {
    expect((await call("/api/admin/repair", { method: "POST" })).status).toBe(401);
    const bad = await call("/api/admin/repair?budget=5000", { method: "POST", headers: adminHeaders() });
    expect(bad.status).toBe(400);
    expect((await json<{ error: { fields: { path: string }[] } }>(bad)).error.fields[0]?.path).toBe("query:budget");

    for (let i = 0; i < 3; i++) expect((await submit(makeArticle({ id: uniqueId("rep") }))).status).toBe(201);
    let complete = false;
    let steps = 0;
    while (!complete && steps < 50) {
      const response = await call("/api/admin/repair?budget=5", { method: "POST", headers: adminHeaders() });
      expect(response.status).toBe(200);
      const report = await json<{ ops: number; pass_complete: boolean; removed: string[]; restored: string[] }>(response);
      expect(report.ops).toBeLessThanOrEqual(5);
      expect(report.removed).toHaveLength(0);
      expect(report.restored).toHaveLength(0);
      complete = report.pass_complete;
      steps += 1;
    }
    expect(complete).toBe(true);
    // Small steps: more than one was needed.
    expect(steps).toBeGreaterThan(1);
  });
});
