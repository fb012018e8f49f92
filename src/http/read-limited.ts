/**
 * Reading a body within a byte limit, for request bodies (http/body.ts) and upstream responses
 * (refresh/fetch-upstream.ts) alike: refused by Content-Length before reading, and cut off while
 * streaming when the header lied, was absent (chunked) or counted compressed bytes (a gzip bomb
 * is stopped by the decompressed count). An optional deadline bounds a slow body.
 */
export type LimitedRead = Uint8Array | "too_large";

export async function readLimited(
  message: Request | Response,
  maxBytes: number,
  deadline?: Promise<never>,
): Promise<LimitedRead> {
  const declared = Number(message.headers.get("content-length") ?? "");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await message.body?.cancel().catch(() => undefined);
    return "too_large";
  }
  if (!message.body) return new Uint8Array(0);
  const reader = message.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await (deadline ? Promise.race([reader.read(), deadline]) : reader.read());
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        reader.cancel().catch(() => undefined);
        return "too_large";
      }
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    throw error;
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
