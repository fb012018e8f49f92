/**
 * Conditional GET (RFC 9110 §13): If-None-Match wins over If-Modified-Since; both answer 304
 * with the validators and no body.
 */
export function isNotModified(headers: Headers, etag: string, lastModifiedMs: number): boolean {
  const ifNoneMatch = headers.get("if-none-match");
  if (ifNoneMatch !== null) {
    if (ifNoneMatch.trim() === "*") return true;
    // Weak comparison (§8.8.3.2): W/"x" matches "x".
    const strip = (tag: string) => tag.trim().replace(/^W\//, "");
    return ifNoneMatch.split(",").some((tag) => strip(tag) === strip(etag));
  }
  const ifModifiedSince = headers.get("if-modified-since");
  if (ifModifiedSince !== null) {
    const since = Date.parse(ifModifiedSince);
    return Number.isFinite(since) && Math.floor(lastModifiedMs / 1000) * 1000 <= since;
  }
  return false;
}

export const httpDate = (ms: number): string => new Date(ms).toUTCString();
