import * as z from "zod";
import { SOURCE_ID_PATTERN } from "./source";

/**
 * Admin blocks (README, "Blocking"): items that ingest skips, whatever sends them. Pure: the
 * shapes and the matching; stored by store/blocks.ts, enforced by the webhook route and the
 * refresh (refresh/refresh-source.ts).
 * - `url_pattern`: matches an article whose URL (as stored: normalized, tracking parameters
 *   stripped) starts with the pattern, `*` standing for any run of characters:
 *   `https://example.com/sponsored/`, `https://*.example.com/*?ad=`.
 * - `source` + `guid`: one item of an upstream source, by the guid its feed gives it.
 */
export const BLOCK_LIMITS = { patternLength: 500, guidLength: 2048, noteLength: 200, blocks: 1000 } as const;

export const BLOCK_ID_PATTERN = /^b-[0-9a-f]{16}$/;

export const BlockInputSchema = z
  .strictObject({
    url_pattern: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(BLOCK_LIMITS.patternLength)
      .regex(/^(https?:\/\/|\*)/, "must start with http://, https:// or *")
      .optional(),
    source: z.string().regex(SOURCE_ID_PATTERN, "must be a source id such as s-0123456789abcdef").optional(),
    guid: z.string().trim().min(1, "must not be empty").max(BLOCK_LIMITS.guidLength).optional(),
    /** Why, for the next admin. */
    note: z.string().trim().max(BLOCK_LIMITS.noteLength).optional(),
  })
  .superRefine((block, ctx) => {
    const byItem = block.source !== undefined || block.guid !== undefined;
    if (block.url_pattern !== undefined && byItem) {
      ctx.addIssue({ code: "custom", path: ["url_pattern"], message: "give either url_pattern or source and guid, not both" });
    } else if (block.url_pattern === undefined && !byItem) {
      ctx.addIssue({ code: "custom", path: ["url_pattern"], message: "is required (or source and guid)" });
    } else if (byItem && block.source === undefined) {
      ctx.addIssue({ code: "custom", path: ["source"], message: "is required with guid" });
    } else if (byItem && block.guid === undefined) {
      ctx.addIssue({ code: "custom", path: ["guid"], message: "is required with source" });
    }
  });
export type BlockInput = z.infer<typeof BlockInputSchema>;

export const BlockSchema = z.object({
  id: z.string().regex(BLOCK_ID_PATTERN),
  url_pattern: z.string().optional(),
  source: z.string().optional(),
  guid: z.string().optional(),
  note: z.string().optional(),
  /** ISO 8601 UTC. */
  created: z.string(),
});
export type Block = z.infer<typeof BlockSchema>;

/** What a block is matched against: an article's stored URL, and for an upstream item its source and guid. */
export interface BlockCandidate {
  url?: string | undefined;
  sourceId?: string | undefined;
  guid?: string | undefined;
}

/** The blocks compiled once (the patterns to regular expressions), to check many items. */
export interface BlockMatcher {
  readonly size: number;
  match(item: BlockCandidate): Block | undefined;
}

export function compileBlocks(blocks: readonly Block[]): BlockMatcher {
  const patterns = blocks
    .filter((b) => b.url_pattern !== undefined)
    .map((b) => ({ block: b, re: new RegExp("^" + (b.url_pattern ?? "").split("*").map(escapeRegExp).join(".*"), "s") }));
  const items = new Map(blocks.filter((b) => b.source !== undefined && b.guid !== undefined).map((b) => [`${b.source}\n${b.guid}`, b]));
  return {
    size: blocks.length,
    match(item) {
      if (item.sourceId !== undefined && item.guid !== undefined) {
        const hit = items.get(`${item.sourceId}\n${item.guid.trim()}`);
        if (hit) return hit;
      }
      const url = item.url;
      return url === undefined ? undefined : patterns.find((p) => p.re.test(url))?.block;
    },
  };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The canonical content of a block, which names it (its id is a digest of it): adding it twice is one block. */
export const blockIdentity = (input: BlockInput): string =>
  input.url_pattern !== undefined ? `url\n${input.url_pattern}` : `item\n${input.source ?? ""}\n${input.guid ?? ""}`;
