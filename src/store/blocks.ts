/**
 * Admin blocks in storage (the shapes and matching: domain/block.ts). The list is one document:
 * the taxonomy's writer (a Durable Object, store/taxonomy-writer.ts) holds it in its storage and
 * applies every edit one at a time, so two admins adding blocks at once both keep theirs; each
 * edit writes the list through to the KV key `blocks`, which ingest reads (one KV read, kept in
 * the isolate for BLOCKS_MAX_AGE_MS). A failed write-through answers 503; repeating the edit
 * (or any other edit) writes the list again.
 */
import * as z from "zod";
import { type Block, type BlockInput, type BlockMatcher, BLOCK_LIMITS, BlockSchema, blockIdentity, compileBlocks } from "../domain/block";
import { sha256Hex } from "../ingest/ids";
import { BLOCKS_KEY } from "./keys";

/** How long an isolate reuses the block list it read: an edit applies everywhere within this. */
export const BLOCKS_MAX_AGE_MS = 30_000;

const BlockListSchema = z.array(BlockSchema);

let memo: { raw: string | null; matcher: BlockMatcher; loadedAt: number } | undefined;

/** The blocks in force, compiled; `read` says whether this cost a KV read. */
export async function loadBlocks(kv: KVNamespace, nowMs = Date.now()): Promise<{ matcher: BlockMatcher; read: boolean }> {
  if (memo && nowMs - memo.loadedAt < BLOCKS_MAX_AGE_MS) return { matcher: memo.matcher, read: false };
  const raw = await kv.get(BLOCKS_KEY, "text");
  if (memo && memo.raw === raw) {
    memo.loadedAt = nowMs;
    return { matcher: memo.matcher, read: true };
  }
  memo = { raw, matcher: compileBlocks(parseBlocks(raw)), loadedAt: nowMs };
  return { matcher: memo.matcher, read: true };
}

/** After an edit: this isolate applies it at once (others within BLOCKS_MAX_AGE_MS). */
export function forgetBlocks(): void {
  memo = undefined;
}

export function parseBlocks(raw: string | null | undefined): Block[] {
  if (raw === null || raw === undefined) return [];
  try {
    const parsed = BlockListSchema.safeParse(JSON.parse(raw));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  console.error("the stored block list does not parse; no block is in force");
  return [];
}

export type BlockEdit = { op: "add"; input: BlockInput; nowIso: string } | { op: "remove"; id: string };

export type BlockEditAnswer =
  | { ok: true; block: Block; created: boolean }
  | { ok: true; removed: boolean }
  | { ok: false; reason: "too_many" | "storage_unavailable" };

export const blockIdOf = async (input: BlockInput): Promise<string> => `b-${(await sha256Hex(blockIdentity(input))).slice(0, 16)}`;

/**
 * One edit of the list the writer holds (`storage`, a Durable Object's), then the write-through
 * to KV. Runs inside the writer, one edit at a time.
 */
export async function applyBlockEdit(storage: DurableObjectStorage, kv: KVNamespace, edit: BlockEdit): Promise<BlockEditAnswer> {
  const blocks = parseBlocks(await storage.get<string>(BLOCKS_KEY));
  let answer: BlockEditAnswer;
  let next = blocks;
  if (edit.op === "add") {
    const id = await blockIdOf(edit.input);
    const existing = blocks.find((b) => b.id === id);
    if (existing) answer = { ok: true, block: existing, created: false };
    else if (blocks.length >= BLOCK_LIMITS.blocks) return { ok: false, reason: "too_many" };
    else {
      const block: Block = { id, ...edit.input, created: edit.nowIso };
      next = [...blocks, block];
      answer = { ok: true, block, created: true };
    }
  } else {
    next = blocks.filter((b) => b.id !== edit.id);
    answer = { ok: true, removed: next.length !== blocks.length };
  }
  const raw = JSON.stringify(next);
  if (next !== blocks) await storage.put(BLOCKS_KEY, raw);
  try {
    await kv.put(BLOCKS_KEY, raw);
  } catch (error) {
    console.error("block list write-through failed", error);
    return { ok: false, reason: "storage_unavailable" };
  }
  return answer;
}

/** The list as the writer holds it (the admin's view: never stale). */
export async function readBlocks(storage: DurableObjectStorage): Promise<Block[]> {
  return parseBlocks(await storage.get<string>(BLOCKS_KEY));
}
