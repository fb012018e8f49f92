/**
 * WebSub content distribution (W3C WebSub §7, §8): the topic's feed, read as a reader reads it
 * (the Worker's own feed route: same body, Content-Type and Link rel=hub/rel=self headers), POSTed
 * to the subscriber's callback, signed with `X-Hub-Signature` when it gave a secret. Made by the
 * `tagfeed-websub` queue's consumer when that queue is bound, else by the hub object itself;
 * either way the outcomes go back to the hub (hub-object.ts), which retries failures with backoff.
 */
import { app } from "../app";
import type { WebSubHub } from "./hub-object";
import { hubSignature } from "./subscription";

export const WEBSUB_QUEUE_NAME = "tagfeed-websub";
const DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryJob {
  topic: string;
  callback: string;
  /** Which content of the subscription this is (a newer change supersedes it). */
  version: number;
  secret?: string;
}

export interface DeliveryResult {
  topic: string;
  callback: string;
  version: number;
  ok: boolean;
  /** The callback's status; 0: no answer (network, timeout). */
  status: number;
}

interface RenderedFeed {
  status: number;
  body: Uint8Array;
  headers: Record<string, string>;
}

/** A deployment may leave Queues out: the generated Env declares the binding, the runtime decides. */
export const webSubQueue = (env: Env): Queue<DeliveryJob> | undefined => (env as Partial<Env>).WEBSUB_QUEUE as Queue<DeliveryJob> | undefined;

/** The hub object: one for the deployment. */
export const webSubHub = (env: Pick<Env, "WEBSUB_HUB">): DurableObjectStub<WebSubHub> => env.WEBSUB_HUB.getByName("hub");

/** One delivery. `rendered` shares feed reads between the deliveries of one invocation. */
export async function deliver(env: Env, ctx: ExecutionContext, job: DeliveryJob, rendered: Map<string, Promise<RenderedFeed>>): Promise<DeliveryResult> {
  const result = (ok: boolean, status: number): DeliveryResult => ({ topic: job.topic, callback: job.callback, version: job.version, ok, status });
  let feed = rendered.get(job.topic);
  if (!feed) {
    feed = readFeed(env, ctx, job.topic);
    rendered.set(job.topic, feed);
  }
  const { status, body, headers } = await feed;
  // A feed that is gone (its tag merged away) has nothing to distribute.
  if (status !== 200) return result(true, status);
  const signature: Record<string, string> = job.secret === undefined ? {} : { "x-hub-signature": await hubSignature(job.secret, body) };
  try {
    const response = await fetch(job.callback, {
      method: "POST",
      headers: { ...headers, ...signature },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.body?.cancel();
    // §7: a 2xx is success; anything else (a redirect included: callbacks are not followed) is tried again.
    return result(response.status >= 200 && response.status < 300, response.status);
  } catch {
    return result(false, 0);
  }
}

async function readFeed(env: Env, ctx: ExecutionContext, topic: string): Promise<RenderedFeed> {
  const response = await app.fetch(new Request(topic, { headers: { accept: "*/*" } }), env, ctx);
  const body = new Uint8Array(await response.arrayBuffer());
  const headers: Record<string, string> = { "content-type": response.headers.get("content-type") ?? "application/octet-stream" };
  const link = response.headers.get("link");
  if (link) headers.link = link;
  return { status: response.status, body, headers };
}

/** The queue consumer: a batch of deliveries, their outcomes reported to the hub in one call. */
export async function consumeDeliveries(batch: MessageBatch<DeliveryJob>, env: Env, ctx: ExecutionContext): Promise<{ delivered: number; failed: number }> {
  const rendered = new Map<string, Promise<RenderedFeed>>();
  const results = await Promise.all(batch.messages.map((message) => deliver(env, ctx, message.body, rendered)));
  await webSubHub(env).report(results, Date.now());
  batch.ackAll();
  const delivered = results.filter((r) => r.ok).length;
  return { delivered, failed: results.length - delivered };
}
