/**
 * tagfeed's own WebSub hub (W3C WebSub §5–§8): one SQLite Durable Object holding the
 * subscriptions, the requests still to verify, the feeds changed since the last run and the
 * deliveries still to make. No KV operation of its own: a subscription, a verification and a
 * delivery's bookkeeping are SQLite rows; a delivery reads the feed it sends like a reader does.
 *
 * Tables:
 *   subs(topic, callback, feeds, secret, expires, failures, failing_since): live leases; `feeds` the
 *     feed keys the topic is made of (one, or each tag of a combination), `driver` the first, for
 *     the lookup; `failures` the failed attempts since the last success, from `failing_since`;
 *   intents(topic, callback, mode, …): subscriber requests answered 202, to verify (§5.3);
 *   changes(feed, matched): feeds whose version was bumped (store/article-writer.ts tells the hub);
 *   deliveries(topic, callback, version, attempts, due): content to distribute (§7), one row per
 *     subscription however many changes came, retried on failure with backoff.
 * A run (the alarm, set whenever there is work, and the cron tick) verifies, drops expired leases,
 * pings the external hubs (WEBSUB_HUBS) for the changed feeds, matches changes to subscriptions and
 * hands due deliveries to the `tagfeed-websub` queue, or makes them itself when no queue is bound.
 * Every run makes at most FETCHES_PER_RUN outbound requests; what is left waits for the next run.
 */
import { DurableObject } from "cloudflare:workers";
import { changedTopicsOfFeeds, hubList, publishRequests } from "../feeds/websub";
import { siteUrls } from "../feeds/urls";
import { pingHubs } from "../http/ping-hubs";
import type { FeedKey } from "../store/keys";
import { type DeliveryJob, type DeliveryResult, deliver, webSubQueue } from "./deliver";
import { type SubscriberRequest, nextAttemptAt, touchedBy } from "./subscription";

/** Outbound requests a run may make (Workers allow 50 subrequests an invocation on the free plan). */
export const FETCHES_PER_RUN = 40;
/** A delivery handed to the queue and never reported back is handed out again after this long. */
const IN_FLIGHT_MS = 10 * 60_000;
const VERIFY_TIMEOUT_MS = 10_000;
/** External hubs pinged (each ping may take 3 fetches: 10 hubs fit in one run's budget). */
const MAX_EXTERNAL_HUBS = 10;
/** Feeds per external ping round: 20 feeds × 3 formats = one request a hub (TOPICS_PER_PING). */
const FEEDS_PER_PING = 20;
/**
 * A subscription whose callback has failed every attempt for this long is dropped (WebSub §7 leaves
 * it to the hub): a gone subscriber stops costing outbound requests. It can subscribe again.
 */
export const DROP_FAILING_AFTER_MS = 24 * 3_600_000;

/** The site a change was made on: the request's origin and hubs (a refresh has none: the last one seen is used). */
export interface ChangeSite {
  origin: string;
  hubs: string[];
}

export interface RunReport {
  verified: number;
  refused: number;
  expired: number;
  changes: number;
  pinged: number;
  queued: number;
  delivered: number;
  failed: number;
}

export interface SubscriptionView {
  topic: string;
  callback: string;
  expires: number;
  failures: number;
  /** When the failed attempts since the last success began (unix ms), or null. */
  failing_since: number | null;
  signed: boolean;
}

export class WebSubHub extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      "CREATE TABLE IF NOT EXISTS subs (topic TEXT NOT NULL, callback TEXT NOT NULL, feeds TEXT NOT NULL, driver TEXT NOT NULL, secret TEXT, expires INTEGER NOT NULL, failures INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (topic, callback))",
    );
    sql.exec("CREATE INDEX IF NOT EXISTS subs_driver ON subs (driver)");
    const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('subs')").toArray();
    if (!columns.some((c) => c.name === "failing_since")) sql.exec("ALTER TABLE subs ADD COLUMN failing_since INTEGER");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS intents (topic TEXT NOT NULL, callback TEXT NOT NULL, mode TEXT NOT NULL, feeds TEXT NOT NULL, secret TEXT, lease INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (topic, callback))",
    );
    // `site`: the JSON of the ChangeSite the change came with, "" for none (hub-object.ts `siteOf`).
    sql.exec("CREATE TABLE IF NOT EXISTS changes (feed TEXT NOT NULL, site TEXT NOT NULL, matched INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (feed, site))");
    sql.exec(
      "CREATE TABLE IF NOT EXISTS deliveries (topic TEXT NOT NULL, callback TEXT NOT NULL, version INTEGER NOT NULL, attempts INTEGER NOT NULL, due INTEGER NOT NULL, PRIMARY KEY (topic, callback))",
    );
    sql.exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  /** A subscriber request (§5.1), already validated: verified asynchronously (§5.3), latest request per subscription wins. */
  async request(request: SubscriberRequest, nowMs: number): Promise<void> {
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO intents (topic, callback, mode, feeds, secret, lease, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      request.topic,
      request.callback,
      request.mode,
      JSON.stringify(request.feeds),
      request.secret ?? null,
      request.leaseSeconds,
      nowMs,
    );
    await this.wake(Date.now());
  }

  /** Feeds whose version was bumped. One row per feed: many changes before a run are one. */
  async changed(feeds: readonly FeedKey[], site?: ChangeSite): Promise<void> {
    if (feeds.length === 0) return;
    const key = site ? JSON.stringify({ origin: site.origin, hubs: site.hubs }) : "";
    for (const feed of new Set(feeds)) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO changes (feed, site, matched) VALUES (?, ?, 0)", feed, key);
    if (site) this.ctx.storage.sql.exec("INSERT OR REPLACE INTO meta (name, value) VALUES ('origin', ?)", site.origin);
    await this.wake(Date.now());
  }

  /** Outcomes of deliveries (the queue consumer's, or this object's own). */
  async report(results: readonly DeliveryResult[], nowMs: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    for (const r of results) {
      if (r.ok) {
        sql.exec("DELETE FROM deliveries WHERE topic = ? AND callback = ? AND version = ?", r.topic, r.callback, r.version);
        sql.exec("UPDATE subs SET failures = 0, failing_since = NULL WHERE topic = ? AND callback = ?", r.topic, r.callback);
        continue;
      }
      sql.exec("UPDATE subs SET failures = failures + 1, failing_since = COALESCE(failing_since, ?) WHERE topic = ? AND callback = ?", nowMs, r.topic, r.callback);
      const since = sql.exec<{ since: number | null }>("SELECT failing_since AS since FROM subs WHERE topic = ? AND callback = ?", r.topic, r.callback).toArray()[0]?.since;
      if (since != null && nowMs - since >= DROP_FAILING_AFTER_MS) {
        console.error(JSON.stringify({ event: "websub_subscription_dropped", topic: r.topic, callback: r.callback, status: r.status, failing_since: new Date(since).toISOString() }));
        sql.exec("DELETE FROM subs WHERE topic = ? AND callback = ?", r.topic, r.callback);
        sql.exec("DELETE FROM deliveries WHERE topic = ? AND callback = ?", r.topic, r.callback);
        continue;
      }
      const row = sql
        .exec<{ attempts: number }>("SELECT attempts FROM deliveries WHERE topic = ? AND callback = ? AND version = ?", r.topic, r.callback, r.version)
        .toArray()[0];
      if (!row) continue; // newer content is already due
      const attempts = row.attempts + 1;
      const next = nextAttemptAt(attempts, nowMs);
      if (next === null) {
        console.error(JSON.stringify({ event: "websub_delivery_given_up", topic: r.topic, callback: r.callback, status: r.status }));
        sql.exec("DELETE FROM deliveries WHERE topic = ? AND callback = ?", r.topic, r.callback);
      } else {
        sql.exec("UPDATE deliveries SET attempts = ?, due = ? WHERE topic = ? AND callback = ?", attempts, next, r.topic, r.callback);
      }
    }
    await this.wakeForDeliveries();
  }

  /** The subscriptions of a topic (the console and tests), secrets left out. */
  async subscriptions(topic: string): Promise<SubscriptionView[]> {
    return this.ctx.storage.sql
      .exec<{ topic: string; callback: string; expires: number; failures: number; failing_since: number | null; signed: number }>(
        "SELECT topic, callback, expires, failures, failing_since, secret IS NOT NULL AS signed FROM subs WHERE topic = ? ORDER BY callback",
        topic,
      )
      .toArray()
      .map((r) => ({ ...r, signed: r.signed === 1 }));
  }

  /**
   * One run at `nowMs` (the alarm's is now; the cron's too; tests move the clock). `queue: false`
   * makes the deliveries here, as a deployment without the queue does.
   */
  async run(nowMs: number, options: { queue?: boolean } = {}): Promise<RunReport> {
    return this.serially(() => this.runOnce(nowMs, options.queue !== false));
  }

  override async alarm(): Promise<void> {
    const report = await this.run(Date.now());
    console.log(JSON.stringify({ event: "websub_run", ...report }));
  }

  // ---------------------------------------------------------------------------------------------

  private async runOnce(nowMs: number, useQueue: boolean): Promise<RunReport> {
    const sql = this.ctx.storage.sql;
    const report: RunReport = { verified: 0, refused: 0, expired: 0, changes: 0, pinged: 0, queued: 0, delivered: 0, failed: 0 };
    let budget = FETCHES_PER_RUN;

    // Leases that ran out: no more deliveries, and gone (§5.1: renewal is a new subscription request).
    report.expired = sql.exec<{ n: number }>("SELECT count(*) AS n FROM subs WHERE expires <= ?", nowMs).one().n;
    if (report.expired > 0) sql.exec("DELETE FROM subs WHERE expires <= ?", nowMs);
    sql.exec("DELETE FROM deliveries WHERE NOT EXISTS (SELECT 1 FROM subs WHERE subs.topic = deliveries.topic AND subs.callback = deliveries.callback)");

    // Changed feeds → deliveries for every live subscription they touch (a combination: all its tags
    // changed). Before verifying: a change made before a subscription existed is not sent to it.
    const unmatched = sql.exec<{ feed: string }>("SELECT DISTINCT feed FROM changes WHERE matched = 0").toArray().map((r) => r.feed);
    report.changes = unmatched.length;
    if (unmatched.length > 0) {
      const changed = new Set(unmatched);
      for (let i = 0; i < unmatched.length; i += 50) {
        // SQLite in Durable Objects binds at most 100 parameters a statement.
        const chunk = unmatched.slice(i, i + 50);
        const subs = sql
          .exec<{ topic: string; callback: string; feeds: string }>(
            `SELECT topic, callback, feeds FROM subs WHERE expires > ? AND driver IN (${chunk.map(() => "?").join(",")})`,
            nowMs,
            ...chunk,
          )
          .toArray();
        for (const sub of subs) {
          if (!touchedBy(JSON.parse(sub.feeds) as string[], changed)) continue;
          sql.exec(
            "INSERT INTO deliveries (topic, callback, version, attempts, due) VALUES (?, ?, 1, 0, ?) ON CONFLICT (topic, callback) DO UPDATE SET version = version + 1, attempts = 0, due = excluded.due",
            sub.topic,
            sub.callback,
            nowMs,
          );
        }
        sql.exec(`UPDATE changes SET matched = 1 WHERE feed IN (${chunk.map(() => "?").join(",")})`, ...chunk);
      }
    }

    // §5.3 verification of intent, a few at a time.
    const intents = sql
      .exec<{ topic: string; callback: string; mode: string; feeds: string; secret: string | null; lease: number }>(
        "SELECT topic, callback, mode, feeds, secret, lease FROM intents ORDER BY at LIMIT ?",
        Math.floor(budget / 2),
      )
      .toArray();
    budget -= intents.length;
    const verdicts = await Promise.all(intents.map(async (intent) => ({ intent, confirmed: await verifyIntent(intent) })));
    for (const { intent, confirmed } of verdicts) {
      sql.exec("DELETE FROM intents WHERE topic = ? AND callback = ?", intent.topic, intent.callback);
      console.log(JSON.stringify({ event: "websub_verification", mode: intent.mode, topic: intent.topic, callback: intent.callback, confirmed }));
      if (!confirmed) {
        report.refused += 1;
        continue;
      }
      report.verified += 1;
      if (intent.mode === "unsubscribe") {
        sql.exec("DELETE FROM subs WHERE topic = ? AND callback = ?", intent.topic, intent.callback);
        continue;
      }
      const feeds = JSON.parse(intent.feeds) as string[];
      sql.exec(
        "INSERT OR REPLACE INTO subs (topic, callback, feeds, driver, secret, expires, failures, failing_since) VALUES (?, ?, ?, ?, ?, ?, 0, NULL)",
        intent.topic,
        intent.callback,
        intent.feeds,
        feeds[0] ?? "",
        intent.secret,
        nowMs + intent.lease * 1000,
      );
    }

    // External hubs: one publish ping per hub per FEEDS_PER_PING changed feeds, within the budget.
    const pending = sql.exec<{ feed: string; site: string }>("SELECT feed, site FROM changes WHERE matched = 1 ORDER BY site").toArray();
    const bySite = new Map<string, string[]>();
    for (const row of pending) bySite.set(row.site, [...(bySite.get(row.site) ?? []), row.feed]);
    for (const [key, feeds] of bySite) {
      const site = this.siteOf(key);
      const hubs = (site?.hubs ?? []).slice(0, MAX_EXTERNAL_HUBS);
      for (let i = 0; i < feeds.length; i += FEEDS_PER_PING) {
        const chunk = feeds.slice(i, i + FEEDS_PER_PING);
        if (site && hubs.length > 0) {
          if (budget < hubs.length * 3) break; // the rest next run
          budget -= hubs.length * 3; // each ping may be tried three times
          const ping = await pingHubs((request) => fetch(request), publishRequests(hubs, changedTopicsOfFeeds(siteUrls(site.origin), chunk)));
          report.pinged += ping.sent;
        }
        sql.exec(`DELETE FROM changes WHERE site = ? AND feed IN (${chunk.map(() => "?").join(",")})`, key, ...chunk);
      }
    }

    // Due deliveries: to the queue (one send per 100 messages), or made here (one outbound request
    // each, the POST: the feed is read from KV), within what is left of the budget.
    const queue = useQueue ? webSubQueue(this.env) : undefined;
    const due = sql
      .exec<{ topic: string; callback: string; version: number; secret: string | null }>(
        "SELECT d.topic, d.callback, d.version, s.secret FROM deliveries d JOIN subs s ON s.topic = d.topic AND s.callback = d.callback WHERE d.due <= ? AND s.expires > ? ORDER BY d.due LIMIT ?",
        nowMs,
        nowMs,
        queue ? 1000 : Math.max(0, budget),
      )
      .toArray();
    const jobs: DeliveryJob[] = due.map((d) => ({ topic: d.topic, callback: d.callback, version: d.version, ...(d.secret !== null && { secret: d.secret }) }));
    if (jobs.length > 0 && queue) {
      for (let i = 0; i < jobs.length; i += 100) await queue.sendBatch(jobs.slice(i, i + 100).map((body) => ({ body })));
      for (const job of jobs) sql.exec("UPDATE deliveries SET due = ? WHERE topic = ? AND callback = ?", nowMs + IN_FLIGHT_MS, job.topic, job.callback);
      report.queued = jobs.length;
    } else if (jobs.length > 0) {
      const results = await deliverAll(this.env, this.executionContext(), jobs);
      report.delivered = results.filter((r) => r.ok).length;
      report.failed = results.length - report.delivered;
      await this.report(results, nowMs);
    }

    await this.wakeAfterRun(nowMs);
    return report;
  }

  /**
   * The origin and hubs a change is announced for: the request's that made it (`key`, its JSON),
   * else (a refresh) PUBLIC_ORIGIN or the last request's origin, and WEBSUB_HUBS.
   */
  private siteOf(key: string): ChangeSite | undefined {
    if (key !== "") return JSON.parse(key) as ChangeSite;
    const origin = this.env.PUBLIC_ORIGIN || this.ctx.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE name = 'origin'").toArray()[0]?.value;
    return origin ? { origin, hubs: hubList(this.env.WEBSUB_HUBS ?? "") } : undefined;
  }

  private executionContext(): ExecutionContext {
    return { waitUntil: (promise: Promise<unknown>) => this.ctx.waitUntil(promise), passThroughOnException: () => {}, props: {} } as unknown as ExecutionContext;
  }

  /** An alarm now, unless one is due sooner. */
  private async wake(atMs: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > atMs) await this.ctx.storage.setAlarm(atMs);
  }

  private async wakeForDeliveries(): Promise<void> {
    const next = this.ctx.storage.sql.exec<{ due: number | null }>("SELECT min(due) AS due FROM deliveries").one().due;
    if (next !== null) await this.wake(next);
  }

  private async wakeAfterRun(nowMs: number): Promise<void> {
    const left = this.ctx.storage.sql
      .exec<{ n: number }>("SELECT (SELECT count(*) FROM intents) + (SELECT count(*) FROM changes) + (SELECT count(*) FROM deliveries WHERE due <= ?) AS n", nowMs)
      .one().n;
    if (left > 0) await this.wake(Date.now() + 1000);
    else await this.wakeForDeliveries();
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** §5.3: GET the callback with the challenge; confirmed only by a 2xx whose body is the challenge. */
async function verifyIntent(intent: { topic: string; callback: string; mode: string; lease: number }): Promise<boolean> {
  const challenge = crypto.randomUUID();
  const url = new URL(intent.callback);
  url.searchParams.set("hub.mode", intent.mode);
  url.searchParams.set("hub.topic", intent.topic);
  url.searchParams.set("hub.challenge", challenge);
  if (intent.mode === "subscribe") url.searchParams.set("hub.lease_seconds", String(intent.lease));
  try {
    const response = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(VERIFY_TIMEOUT_MS) });
    const body = await response.text();
    return response.status >= 200 && response.status < 300 && body.trim() === challenge;
  } catch {
    return false;
  }
}

async function deliverAll(env: Env, ctx: ExecutionContext, jobs: readonly DeliveryJob[]): Promise<DeliveryResult[]> {
  const rendered = new Map();
  const results: DeliveryResult[] = [];
  // A few at a time: each holds a feed body.
  for (let i = 0; i < jobs.length; i += 6) results.push(...(await Promise.all(jobs.slice(i, i + 6).map((job) => deliver(env, ctx, job, rendered)))));
  return results;
}
