/**
 * Ids, content revs and item fingerprints are stored (article keys, `rev` on every record,
 * `item_fingerprints` on every source): a change to how they are computed would re-create every
 * article under a new id, rewrite every record once, or re-map every item of every source. These
 * values were computed by the released code and must never change.
 */
import { describe, expect, it } from "vitest";
import { newSource } from "../domain/source";
import { normalizeArticle } from "../ingest/normalize";
import { DEFAULT_TAXONOMY } from "../tags/default-taxonomy";
import { compileTaxonomy } from "../tags/resolve";
import { parseFeed } from "../upstream/parse";
import { mapItem, sharedLinks } from "./map-item";
import { fingerprintSalt, itemFingerprint } from "./refresh-source";

interface NodeFs {
  readFileSync(path: string): Uint8Array;
}
const FS_MODULE = "node:fs";
const fs = (await import(/* @vite-ignore */ FS_MODULE)) as NodeFs;

const taxonomy = compileTaxonomy(DEFAULT_TAXONOMY);
const FETCHED = "2024-06-01T12:00:00.000Z";

async function identities(file: string, url: string): Promise<string[]> {
  const parsed = parseFeed(fs.readFileSync(file), { url, contentType: "application/xml" });
  if (!parsed.ok) throw new Error(parsed.error.message);
  const source = newSource("s-0123456789abcdef", url, { name: "Pinned", tags: ["Казахстан"] }, FETCHED);
  const salt = fingerprintSalt('"taxonomy-v1"', source);
  const context = { source, taxonomy, fetchedAtIso: FETCHED, feedLanguage: parsed.value.language, sharedUrls: sharedLinks(parsed.value.items) };
  const out: string[] = [];
  for (const item of parsed.value.items) {
    const mapped = await mapItem(item, context);
    if (!mapped.ok) continue;
    const normalized = await normalizeArticle(mapped.value.input, { taxonomy, nowMs: Date.parse(FETCHED), contentBase: mapped.value.contentBase, linkAsGiven: true });
    if (!normalized.ok) continue;
    out.push(`${normalized.value.id} ${normalized.value.rev} ${await itemFingerprint(salt, item)}`);
  }
  return out;
}

// file, feed URL, then per item kept: "id rev fingerprint".
const PINNED: [string, string, string[]][] = [
    ["test/fixtures/feeds/kazakh-content.xml", "https://kaz.example.kz/rss", [
      "u-f134251d1f0b2f12857e920d ae3d936054adf1f5 95e82633bcd1fd9f7a3646d8",
      "u-a5544ce8003c84a163edb968 f7655e313c5df649 4e5e70c2164d7d1d8a2fb12d",
    ]],
    ["test/fixtures/upstream/news-a.xml", "https://news-a.example.kz/rss", [
      "u-33fd3b583abc0f114fffd3d9 82529f34de8f5b16 2ddeb6ede987128474fd9833",
      "u-14ccdb3ab2898c95eaea436b f0532291fa72e2af 43b92ad6bb4d9f634579564d",
      "u-5f0981d1f16389a811fc6e27 d11d697114b796b0 4579707aab49c7ae667173a6",
    ]],
    ["test/fixtures/feeds/fidelity-fragment-permalinks.xml", "https://frag.example.kz/feed", [
      "g-1e4daf120778c72d65851dfc c51720a332f67086 3c2b535186d3ff8e4fc888a1",
      "g-4670e7f35bdad03f93f1d85b bb26c4e6579afcb2 e90c6743fb4ef77c11cad66e",
      "g-f1bbfe5f8829d665bd5f6f28 0a8ffff664dc9a4b 2d29d6415dee25f6c449906a",
      "u-dd54e89a136a3eeef725b6b1 746de79279f10fe4 3b55178ab5f4f446e2ebbe2b",
    ]],
    ["test/fixtures/feeds/fidelity-untitled-items.xml", "https://untitled.example.kz/feed", [
      "u-f3a5686cce8e2ab96f7422fd aac66d736cdbb34d 1811ec22492e09a3dbbbb23b",
      "g-4e774ec1e4362f2e2e5a6d67 07529f6ef4381469 54c966ed6ab8e11059acc891",
      "h-e66b61fb0ffba012c08f1534 ec1af9d28d995f81 9370594053b18d6677e61c8b",
      "u-369a1f16690d4ce38c6b5043 2fcefc68fc2e534d 3550aeb03cd665b9a0e31464",
      "u-33b69e669215181f02fe964f e266ae8c99cb75bd 41e6970a4334058a80ef8e83",
    ]],
];

describe("stored identities", () => {
  it.each(PINNED)("ids, revs and fingerprints of %s stay as first computed", async (file, url, expected) => {
    expect(await identities(file, url)).toEqual(expected);
  });
});
