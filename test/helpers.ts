/**
 * Test helpers for the workerd integration tests: the Worker driven through its own fetch, and
 * webhook submissions signed exactly as a Standard Webhooks sender signs them.
 */
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import seedArticle from "./fixtures/seed-article.json";
import seedArticleUntyped from "./fixtures/seed-article-untyped-tags.json";
import { importWebhookSecrets, signWebhook } from "../src/ingest/webhook-auth";
import { shardOf } from "../src/store/article-ops";
import type { Source } from "../src/domain/source";
import type { ArticleWriter } from "../src/store/article-writer";
import { writerName } from "../src/store/articles";

export const BASE = "http://tagfeed.test";
export const ADMIN_TOKEN = env.ADMIN_TOKEN ?? "";

export const fixtures = {
  seed: (): Record<string, unknown> => structuredClone(seedArticle),
  seedUntyped: (): Record<string, unknown> => structuredClone(seedArticleUntyped),
};

export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

let counter = 0;
export const uniqueId = (prefix = "t"): string => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** A minimal valid article; every call gets a fresh id unless one is given. */
export function makeArticle(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: uniqueId("a"),
    title: "Заголовок статьи",
    published: "2024-05-01T10:00:00Z",
    content_html: "<p>Текст статьи.</p>",
    tags: [{ type: "city", name: "Алматы" }],
    ...overrides,
  };
}

export interface SignOptions {
  id?: string;
  timestamp?: number;
  secret?: string;
}

export async function signedHeaders(body: string | Uint8Array, options: SignOptions = {}): Promise<Record<string, string>> {
  const secret = options.secret ?? env.WEBHOOK_SECRET ?? "";
  const imported = await importWebhookSecrets(secret);
  if (!imported.ok || !imported.value[0]) throw new Error(`bad test secret: ${secret}`);
  const id = options.id ?? uniqueId("msg");
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": await signWebhook(imported.value[0], id, timestamp, bytes),
  };
}

/** POSTs a JSON value to /api/articles, signed. */
export async function submit(payload: unknown, options: SignOptions = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  return call("/api/articles", { method: "POST", headers: await signedHeaders(body, options), body });
}

export const adminHeaders = (): Record<string, string> => ({ authorization: `Bearer ${ADMIN_TOKEN}` });

export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

/** A KV binding whose puts of keys matching `doomed` fail with an injected platform error. */
export function failingPutsOf(kv: KVNamespace, doomed: (key: string) => boolean = () => true, status = 503): KVNamespace {
  return new Proxy(kv, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (property !== "put") return value.bind(target);
      return (key: string, ...rest: unknown[]) =>
        doomed(key) ? Promise.reject(new Error(`KV put failed: ${status} injected fault`)) : (value as (...a: unknown[]) => Promise<unknown>).apply(target, [key, ...rest]);
    },
  });
}

/** The article writer owning `id` (an article's or a source's: both hash to their shard). */
export const writerOf = (id: string) => env.ARTICLE_WRITER.getByName(writerName(shardOf(id)));

/** Runs `work` while the writers owning `ids` write to `kv(real)` instead of their KV. */
export async function withWriterKv<T>(ids: string | readonly string[], kv: (real: KVNamespace) => KVNamespace, work: () => Promise<T>): Promise<T> {
  const shards = [...new Set((typeof ids === "string" ? [ids] : ids).map(shardOf))];
  const writers = shards.map((shard) => env.ARTICLE_WRITER.getByName(writerName(shard)));
  for (const writer of writers) {
    await runInDurableObject(writer, (instance: ArticleWriter) => {
      instance.kv = kv(env.KV);
    });
  }
  try {
    return await work();
  } finally {
    for (const writer of writers) {
      await runInDurableObject(writer, (instance: ArticleWriter) => {
        instance.kv = env.KV;
      });
    }
  }
}

/** The loopback upstream (test/fixtures/upstream/mock-upstream.mjs, the pool's outbound service). */
export const UPSTREAM = "https://upstream.example";

/** Adds the upstream feed at `path` as a source through the admin API (`extra`: more fields); its record. */
export async function addSource(path: string, extra: Record<string, unknown> = {}): Promise<Source> {
  const response = await call("/api/sources", {
    method: "POST",
    headers: { ...adminHeaders(), "content-type": "application/json" },
    body: JSON.stringify({ url: `${UPSTREAM}${path}`, ...extra }),
  });
  if (response.status !== 201) throw new Error(`adding ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Source;
}
