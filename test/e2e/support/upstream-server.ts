/**
 * Upstream feeds for the refresh job, served by a node:http server on a free loopback port:
 * RSS 2.0 in windows-1251, RSS 1.0 (RDF), Atom, JSON Feed 1.1, and one that always fails. Each
 * answers If-None-Match / If-Modified-Since with 304, and every request is recorded so a test
 * can see what the Worker asked for.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface UpstreamDoc {
  contentType: string;
  body: Buffer;
}

export interface UpstreamRequest {
  path: string;
  status: number;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  userAgent?: string;
}

export interface UpstreamServer {
  url: string;
  requests: UpstreamRequest[];
  close(): Promise<void>;
}

const LAST_MODIFIED = "Mon, 04 Mar 2024 12:00:00 GMT";

export async function startUpstreamServer(docs: Record<string, UpstreamDoc>): Promise<UpstreamServer> {
  const requests: UpstreamRequest[] = [];
  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    const doc = docs[path];
    const record = (status: number): void =>
      void requests.push({
        path,
        status,
        ...(req.headers["if-none-match"] && { ifNoneMatch: String(req.headers["if-none-match"]) }),
        ...(req.headers["if-modified-since"] && { ifModifiedSince: String(req.headers["if-modified-since"]) }),
        ...(req.headers["user-agent"] && { userAgent: String(req.headers["user-agent"]) }),
      });
    if (!doc) {
      record(500);
      res.writeHead(500, { "content-type": "text/plain" }).end("upstream broke");
      return;
    }
    const etag = `"${createHash("sha256").update(doc.body).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag || (!req.headers["if-none-match"] && req.headers["if-modified-since"] === LAST_MODIFIED)) {
      record(304);
      res.writeHead(304, { etag, "last-modified": LAST_MODIFIED }).end();
      return;
    }
    record(200);
    res.writeHead(200, { "content-type": doc.contentType, etag, "last-modified": LAST_MODIFIED, "content-length": doc.body.length }).end(doc.body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** windows-1251, the Cyrillic code page many Kazakh and Russian sites still serve. */
export function encodeWindows1251(text: string): Buffer {
  const bytes: number[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) bytes.push(code);
    else if (code >= 0x410 && code <= 0x44f) bytes.push(code - 0x410 + 0xc0);
    else if (code === 0x401) bytes.push(0xa8);
    else if (code === 0x451) bytes.push(0xb8);
    else if (code === 0xab) bytes.push(0xab);
    else if (code === 0xbb) bytes.push(0xbb);
    else if (code === 0x2014) bytes.push(0x97);
    else throw new Error(`no windows-1251 byte for U+${code.toString(16)}`);
  }
  return Buffer.from(bytes);
}
