/**
 * Authentication of article submissions. No I/O; uses only WebCrypto, so it runs in workerd
 * and Node alike.
 *
 * Standard Webhooks (standardwebhooks.com, "Verifying webhooks"):
 *   signed content = `${webhook-id}.${webhook-timestamp}.${body}`
 *   webhook-signature = space-delimited `v1,<base64 HMAC-SHA256>` (several during key rotation)
 *   secret = `whsec_` + base64 key bytes
 *   timestamps outside a tolerance (5 minutes) are refused, against replay.
 * Several secrets may be configured (separated by spaces or commas): during a rotation both the
 * old and the new one verify. Comparisons are constant-time: signatures through
 * `crypto.subtle.verify`, the admin token through a digest compare.
 */
import { type Result, err, ok } from "../domain/result";

export const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

export type Submitter = { kind: "webhook"; webhookId: string } | { kind: "admin" };

/** Why a request was refused: `header` names what the sender should fix; nothing secret leaks. */
export interface AuthFailure {
  reason: "missing" | "malformed" | "expired" | "mismatch" | "not_configured";
  header: string;
  message: string;
}

export interface AuthConfig {
  webhookSecrets: readonly CryptoKey[];
  adminToken: string | undefined;
}

const encoder = new TextEncoder();

/** Parses `WEBHOOK_SECRET` ("whsec_…", several allowed) into HMAC keys. Bad entries are reported. */
export async function importWebhookSecrets(raw: string | undefined): Promise<Result<CryptoKey[], string>> {
  const parts = (raw ?? "").split(/[\s,]+/).filter(Boolean);
  const keys: CryptoKey[] = [];
  for (const part of parts) {
    const bytes = decodeBase64(part.startsWith("whsec_") ? part.slice("whsec_".length) : part);
    if (!bytes || bytes.length < 16) return err("WEBHOOK_SECRET must be whsec_ followed by base64 of at least 16 bytes");
    keys.push(await crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
  }
  return ok(keys);
}

export async function authenticateSubmission(
  headers: Headers,
  body: Uint8Array,
  config: AuthConfig,
  nowSeconds: number,
): Promise<Result<Submitter, AuthFailure>> {
  const authorization = headers.get("authorization");
  if (authorization !== null) return checkBearer(authorization, config.adminToken);
  return verifyWebhook(headers, body, config.webhookSecrets, nowSeconds);
}

export async function checkBearer(authorization: string, adminToken: string | undefined): Promise<Result<Submitter, AuthFailure>> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) {
    return err({ reason: "malformed", header: "authorization", message: "Authorization must be 'Bearer <token>'" });
  }
  if (!adminToken) {
    return err({ reason: "not_configured", header: "authorization", message: "no admin token is configured on this server" });
  }
  if (!(await constantTimeEqual(match[1], adminToken))) {
    return err({ reason: "mismatch", header: "authorization", message: "the bearer token is not valid" });
  }
  return ok({ kind: "admin" });
}

export async function verifyWebhook(
  headers: Headers,
  body: Uint8Array,
  secrets: readonly CryptoKey[],
  nowSeconds: number,
): Promise<Result<Submitter, AuthFailure>> {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatureHeader = headers.get("webhook-signature");
  if (id === null && timestamp === null && signatureHeader === null) {
    return err({
      reason: "missing",
      header: "webhook-signature",
      message: "send Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature) or Authorization: Bearer",
    });
  }
  if (!id || id.length > 256) {
    return err({ reason: id ? "malformed" : "missing", header: "webhook-id", message: "webhook-id must be 1-256 characters" });
  }
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) {
    return err({
      reason: timestamp ? "malformed" : "missing",
      header: "webhook-timestamp",
      message: "webhook-timestamp must be unix seconds",
    });
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS) {
    return err({
      reason: "expired",
      header: "webhook-timestamp",
      message: `webhook-timestamp is more than ${TIMESTAMP_TOLERANCE_SECONDS} seconds from the server's clock`,
    });
  }
  if (!signatureHeader) {
    return err({ reason: "missing", header: "webhook-signature", message: "webhook-signature is missing" });
  }
  if (secrets.length === 0) {
    return err({ reason: "not_configured", header: "webhook-signature", message: "no webhook secret is configured on this server" });
  }
  const signatures = signatureHeader
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => decodeBase64(s.slice(3)))
    .filter((s): s is Uint8Array => s !== undefined)
    .slice(0, 10);
  if (signatures.length === 0) {
    return err({ reason: "malformed", header: "webhook-signature", message: "webhook-signature holds no v1,<base64> signature" });
  }
  const signed = concatBytes(encoder.encode(`${id}.${timestamp}.`), body);
  for (const key of secrets) {
    for (const signature of signatures) {
      if (await crypto.subtle.verify("HMAC", key, signature, signed)) return ok({ kind: "webhook", webhookId: id });
    }
  }
  return err({ reason: "mismatch", header: "webhook-signature", message: "no signature in webhook-signature matches the body" });
}

/** Signs a body as a Standard Webhooks sender does (used by tests and the submit CLI's twin). */
export async function signWebhook(key: CryptoKey, id: string, timestamp: number, body: Uint8Array): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, concatBytes(encoder.encode(`${id}.${timestamp}.`), body));
  return `v1,${encodeBase64(new Uint8Array(mac))}`;
}

async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  // Comparing fixed-length digests removes the length and early-exit timing of a plain ===.
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  const x = new Uint8Array(da);
  const y = new Uint8Array(db);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function decodeBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return undefined;
  try {
    const binary = atob(text);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

export function encodeBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
