/**
 * Webhook re-delivery memory (Standard Webhooks: a sender retries with the same `webhook-id`).
 * The first answer is kept for a day under a hash of the id, so a retry gets the same answer
 * and changes nothing. Ids are hashed because they are sender-chosen and may be long.
 */
import { seenKey } from "./keys";

const SEEN_TTL_SECONDS = 24 * 3600;

async function hashId(webhookId: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(webhookId));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function getSeenAnswer(kv: KVNamespace, webhookId: string): Promise<unknown | null> {
  return kv.get(seenKey(await hashId(webhookId)), "json");
}

export async function putSeenAnswer(kv: KVNamespace, webhookId: string, answer: unknown): Promise<void> {
  await kv.put(seenKey(await hashId(webhookId)), JSON.stringify(answer), { expirationTtl: SEEN_TTL_SECONDS });
}
