// Bundles the TypeScript the benchmarks call into plain ES modules for Node, with esbuild (a
// wrangler dependency, so present after `npm install`). Three bundles, built separately so that
// one that does not compile (the upstream parser, while it is being written) costs only its own
// figures: core (render, ingest, taxonomy), app (the Hono app, for in-process KV counts) and
// upstream (parseFeed and the item mapper).
import { build } from "esbuild";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname;

const CORE = `
export { renderFeed } from "./src/render";
export { buildFeedDocument } from "./src/feeds/document";
export { siteUrls } from "./src/feeds/urls";
export { makeArticle } from "./src/render/test-factories";
export { ArticleSchema } from "./src/domain/article";
export { normalizeArticle, stampArticle } from "./src/ingest/normalize";
export { parseSubmission } from "./src/ingest/submission";
export { sanitizeHtml } from "./src/ingest/sanitize";
export { compileTaxonomy } from "./src/tags/resolve";
export { DEFAULT_TAXONOMY } from "./src/tags/default-taxonomy";
`;

const APP = `export { app } from "./src/app";
export { ArticleWriter } from "./src/store/article-writer";
export { TaxonomyWriter } from "./src/store/taxonomy-writer";
export { durableNamespace } from "./bench/durable-objects.mjs";
export { forgetDirectoryIsolateState } from "./src/feeds/directory";`;

/** The upstream entry, from whatever exists: the parser's module name is not settled yet. */
function upstreamEntry() {
  const parse = ["src/upstream/parse.ts", "src/upstream/index.ts"].find((p) => existsSync(join(ROOT, p)) && /export\s+(const|function|async function)\s+parseFeed\b|export\s*\{[^}]*\bparseFeed\b/.test(readFileSync(join(ROOT, p), "utf8")));
  if (!parse) return { error: "src/upstream/parse.ts does not export parseFeed (yet)" };
  let text = `export { parseFeed } from "./${parse.replace(/\.ts$/, "")}";\n`;
  if (existsSync(join(ROOT, "src/refresh/map-item.ts"))) {
    text += `export { mapItem, sharedLinks } from "./src/refresh/map-item";\n`;
    text += `export { normalizeArticle } from "./src/ingest/normalize";\n`;
    text += `export { compileTaxonomy } from "./src/tags/resolve";\nexport { DEFAULT_TAXONOMY } from "./src/tags/default-taxonomy";\n`;
  }
  return { text, module: parse };
}

export async function bundle(name, contents, outdir, root = ROOT) {
  const outfile = join(outdir, `${name}.mjs`);
  await build({
    stdin: { contents, resolveDir: root, loader: "ts", sourcefile: `bench-${name}.ts` },
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    conditions: ["worker", "import", "default"],
    target: "es2022",
    outfile,
    sourcemap: "inline",
    logLevel: "silent",
    jsx: "automatic",
    jsxImportSource: "hono/jsx",
    // The Durable Object base class: workerd's own in the Worker, a Node stand-in here.
    alias: { "cloudflare:workers": join(ROOT, "bench/durable-objects.mjs") },
    external: ["node:*"],
  });
  return outfile;
}

/** { core, app, upstream: path | { error } } */
export async function buildAll(outdir) {
  const out = { core: await bundle("core", CORE, outdir), app: await bundle("app", APP, outdir) };
  const entry = upstreamEntry();
  if (entry.error) out.upstream = { error: entry.error };
  else {
    try {
      out.upstream = { path: await bundle("upstream", entry.text, outdir), module: entry.module };
    } catch (error) {
      out.upstream = { error: `${entry.module} does not build: ${String(error.message ?? error).split("\n").slice(0, 4).join(" ")}` };
    }
  }
  return out;
}
