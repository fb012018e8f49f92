/**
 * Repair proportional to change (src/store/journal.ts): an idle store costs one list; a crash's
 * damage is found from the journal entry its batch wrote first, and fixed; checked entries go.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Article } from "../src/domain/article";
import { getArticle, indexKeysOf } from "../src/store/articles";
import { guardKv, newKvCounts } from "../src/store/guard";
import { repairChanges, journalChange } from "../src/store/journal";
import { REPAIR_GRACE_MS } from "../src/store/repair";
import { makeArticle, submit, uniqueId } from "./helpers";

const LATER = Date.now() + REPAIR_GRACE_MS + 60_000;

async function drain(nowMs: number): Promise<void> {
  for (let i = 0; i < 50; i++) if ((await repairChanges(env.KV, { nowMs, budget: 900 })).entries === 0) return;
}

async function stored(id: string): Promise<Article> {
  const article = await getArticle(env.KV, id);
  if (!article) throw new Error(`no article ${id}`);
  return article;
}

describe("change journal repair", () => {
  it("costs one list when nothing changed, leaves young entries, and fixes a crash's damage from the journal alone", async () => {
    const id = uniqueId("j");
    expect((await submit({ articles: [makeArticle({ id, tags: [{ type: "topic", name: "Journal" }] })] })).status).toBeLessThan(300);
    // A write in flight: young entries wait, for one list.
    const young = await repairChanges(env.KV, { nowMs: Date.now(), budget: 900 });
    expect(young.young).toBeGreaterThan(0);
    expect(young.ops).toBe(1);
    await drain(LATER);

    const idle = newKvCounts();
    const report = await repairChanges(guardKv(env.KV, idle), { nowMs: LATER, budget: 900 });
    expect(report.entries).toBe(0);
    expect(idle).toEqual({ reads: 0, bulkReads: 0, lists: 1, writes: 0, deletes: 0 });

    // Damage as a crash leaves it: a missing key of a stored article, and a ghost's keys with no record.
    const article = await stored(id);
    const [missing] = indexKeysOf(article);
    await env.KV.delete(missing!);
    const ghost = { ...article, id: uniqueId("ghost") };
    await journalChange(env.KV, [article, ghost], Date.now());
    await Promise.all(indexKeysOf(ghost).map((key) => env.KV.put(key, "", { metadata: { r: "x", w: 0 } })));

    const fixed = await repairChanges(env.KV, { nowMs: LATER, budget: 900 });
    expect(fixed.restored).toEqual([missing]);
    expect(fixed.removed.sort()).toEqual(indexKeysOf(ghost).sort());
    expect(await env.KV.get(missing!)).not.toBeNull();
    for (const key of indexKeysOf(ghost)) expect(await env.KV.get(key)).toBeNull();
    // Checked entries are gone: the next pass is idle again.
    expect((await repairChanges(env.KV, { nowMs: LATER, budget: 900 })).ops).toBe(1);
  });
});
