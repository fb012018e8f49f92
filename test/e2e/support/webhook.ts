/**
 * Standard Webhooks (standardwebhooks.com) signing, done here independently of the Worker's
 * code: `v1,` + base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}", keyed with the
 * base64 bytes after `whsec_`.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";

export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString("base64")}`;

export interface SignedRequest {
  headers: Record<string, string>;
  body: string;
}

export function signWebhook(secret: string, body: string, options: { id?: string; timestamp?: number } = {}): SignedRequest {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`, "utf8").digest("base64");
  return {
    body,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": `v1,${signature}`,
    },
  };
}

export interface Answer {
  status: number;
  body: any;
}

/** POSTs `payload` (already JSON text, or a value to stringify) to /api/articles, signed. */
export async function submitSigned(
  baseUrl: string,
  secret: string,
  payload: unknown,
  options: { id?: string; timestamp?: number } = {},
): Promise<Answer> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const signed = signWebhook(secret, body, options);
  const response = await fetch(`${baseUrl}/api/articles`, { method: "POST", headers: signed.headers, body: signed.body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* keep the text */
  }
  return { status: response.status, body: parsed };
}
