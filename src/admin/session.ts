/**
 * Console sessions without server state: the cookie carries its own expiry and a random nonce,
 * signed with HMAC-SHA-256 under a key derived from ADMIN_TOKEN. Rotating the token therefore
 * ends every session; nothing is stored in KV. The CSRF token of a session is a second HMAC over
 * its nonce (the "HMAC-based token" pattern of the OWASP CSRF cheat sheet): forms carry it, the
 * server recomputes it, and a page of another origin can neither read nor forge it.
 *
 * Pure apart from WebCrypto (the same in workerd and Node); the clock comes in as an argument.
 * Cookie value: `v1.{expiry unix s}.{nonce b64url}.{signature b64url}`.
 */
import { type Result, err, ok } from "../domain/result";

/** How long a sign-in lasts. */
export const SESSION_TTL_SECONDS = 8 * 3600;
export const SESSION_COOKIE = "tagfeed_admin";

export type SessionFailure = "missing" | "malformed" | "bad_signature" | "expired";

export interface Session {
  nonce: string;
  expiresAt: number;
}

const encoder = new TextEncoder();
let memo: { token: string; key: Promise<CryptoKey> } | undefined;

/** The signing key for a token: HMAC key over SHA-256 of a label and the token (domain separation from the bearer use). */
export function sessionKey(adminToken: string): Promise<CryptoKey> {
  if (memo?.token !== adminToken) {
    const key = crypto.subtle
      .digest("SHA-256", encoder.encode(`tagfeed console session v1\n${adminToken}`))
      .then((material) => crypto.subtle.importKey("raw", material, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]));
    memo = { token: adminToken, key };
  }
  return memo.key;
}

export async function issueSession(key: CryptoKey, nowSeconds: number, ttlSeconds = SESSION_TTL_SECONDS): Promise<{ value: string; session: Session }> {
  const nonce = base64Url(crypto.getRandomValues(new Uint8Array(18)));
  const expiresAt = Math.floor(nowSeconds) + ttlSeconds;
  const payload = `v1.${expiresAt}.${nonce}`;
  return { value: `${payload}.${await sign(key, `session.${payload}`)}`, session: { nonce, expiresAt } };
}

export async function verifySession(key: CryptoKey, value: string | undefined, nowSeconds: number): Promise<Result<Session, SessionFailure>> {
  if (value === undefined || value === "") return err("missing");
  const match = /^v1\.(\d{1,12})\.([A-Za-z0-9_-]{16,64})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) return err("malformed");
  const payload = `v1.${match[1]}.${match[2]}`;
  // crypto.subtle.verify compares in constant time.
  const signature = decodeBase64Url(match[3]);
  if (!signature || !(await crypto.subtle.verify("HMAC", key, signature, encoder.encode(`session.${payload}`)))) return err("bad_signature");
  const expiresAt = Number(match[1]);
  if (expiresAt <= nowSeconds) return err("expired");
  return ok({ nonce: match[2], expiresAt });
}

/** The session's CSRF token: forms send it back, the server recomputes and compares. */
export const csrfToken = (key: CryptoKey, session: Session): Promise<string> => sign(key, `csrf.${session.nonce}`);

export async function checkCsrf(key: CryptoKey, session: Session, sent: string | undefined): Promise<boolean> {
  if (sent === undefined || !/^[A-Za-z0-9_-]{43}$/.test(sent)) return false;
  const signature = decodeBase64Url(sent);
  return signature !== undefined && crypto.subtle.verify("HMAC", key, signature, encoder.encode(`csrf.${session.nonce}`));
}

async function sign(key: CryptoKey, text: string): Promise<string> {
  return base64Url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text))));
}

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeBase64Url(text: string): Uint8Array | undefined {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}
