/**
 * Request bodies at the edge: within a stated limit (413 past it, see read-limited.ts), JSON only,
 * strict UTF-8.
 */
import { ApiError } from "./errors";
import { readLimited } from "./read-limited";

export async function readBodyLimited(request: Request, limitBytes: number): Promise<Uint8Array> {
  const body = await readLimited(request, limitBytes);
  if (body === "too_large") throw new ApiError(413, "body_too_large", `the request body must be at most ${limitBytes} bytes`);
  return body;
}

/** JSON media types: application/json and any +json. Charset, when given, must be UTF-8. */
export function requireJson(request: Request): void {
  const type = request.headers.get("content-type") ?? "";
  const [mediaType = "", ...params] = type.split(";").map((s) => s.trim().toLowerCase());
  const isJson = mediaType === "application/json" || /^application\/[\w.+-]+\+json$/.test(mediaType);
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
  if (!isJson || (charset !== undefined && charset !== "utf-8" && charset !== "utf8")) {
    throw new ApiError(415, "unsupported_media_type", "send the body as Content-Type: application/json (UTF-8)");
  }
}

/** Decodes strict UTF-8 and parses JSON, as a 400 that says what is wrong. */
export function parseJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
  } catch {
    throw new ApiError(400, "invalid_encoding", "the body is not valid UTF-8", [{ path: "", reason: "not valid UTF-8" }]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof SyntaxError ? error.message : "unparseable";
    throw new ApiError(400, "invalid_json", "the body is not valid JSON", [{ path: "", reason: `invalid JSON: ${detail}` }]);
  }
}
