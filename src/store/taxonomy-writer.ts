/**
 * The taxonomy's single writer: one Durable Object (by name, `taxonomy`) that holds the
 * authoritative document in its SQLite storage and applies every admin edit (entries, types,
 * import, the taxonomy step of a merge) one at a time. KV has no compare-and-swap, so two Workers
 * editing the `taxonomy` key by read-modify-write would lose one edit; here every edit reads the
 * document the previous one wrote. `If-Match` is compared with the writer's own ETag: a stale
 * one gets 412 and changes nothing; an edit that collides with the current document gets 409.
 *
 * After storing an edit, the writer puts the document to KV (`taxonomy`), the copy every reader
 * uses (store/taxonomy.ts). If that put fails, the edit is still kept (it is in the writer's
 * storage, and a 2xx says so); the writer marks the copy unpublished and retries from its alarm.
 * Edits run strictly one after another, write-through included, so KV never receives an older
 * document after a newer one.
 *
 * The first edit adopts the document KV holds (or the default), so a deployment that had a
 * taxonomy before the writer existed keeps it.
 */
import { DurableObject } from "cloudflare:workers";
import type { Taxonomy } from "../domain/taxonomy";
import { type EditFailure, type EditResults, type TaxonomyEditOf, applyEdit, ifMatchPasses } from "../tags/merge";
import { type BlockEdit, type BlockEditAnswer, applyBlockEdit, readBlocks } from "./blocks";
import type { Block } from "../domain/block";
import { TAXONOMY_KEY } from "./keys";
import { parseStoredTaxonomy, taxonomyEtag } from "./taxonomy";

export type WriterFailure = EditFailure | { reason: "precondition_failed"; etag: string };

export type WriterAnswer<T> =
  | { ok: true; value: { result: T; raw: string; etag: string } }
  | { ok: false; error: WriterFailure };

const DOCUMENT = "document";
const PUBLISHED = "published";
const REPUBLISH_DELAY_MS = 5_000;

export class TaxonomyWriter extends DurableObject<Env> {
  private queue: Promise<unknown> = Promise.resolve();

  /** Applies one edit to the current document, after the edits before it. */
  async edit<K extends keyof EditResults>(edit: TaxonomyEditOf<K>, ifMatch: string | undefined): Promise<WriterAnswer<EditResults[K]>> {
    return this.serially(async () => {
      const current = await this.current();
      const etag = await taxonomyEtag(current);
      if (!ifMatchPasses(ifMatch, etag)) return { ok: false, error: { reason: "precondition_failed", etag } };
      const applied = applyEdit(current, edit);
      if (!applied.ok) return { ok: false, error: applied.error };
      const { taxonomy, ...result } = applied.value;
      const raw = JSON.stringify(taxonomy);
      // A merge repeated to move the rest of the articles changes nothing: no write.
      if ("changed" in result && !result.changed) return { ok: true, value: { result: result as unknown as EditResults[K], raw, etag } };
      // Stored before anything is answered or written elsewhere: the output gate holds the answer
      // until SQLite has it.
      await this.ctx.storage.put({ [DOCUMENT]: raw, [PUBLISHED]: false });
      await this.publish(raw);
      return { ok: true, value: { result: result as unknown as EditResults[K], raw, etag: await taxonomyEtag(taxonomy) } };
    });
  }

  /** The admin block list (store/blocks.ts) is edited here too: one edit at a time, none lost. */
  async editBlocks(edit: BlockEdit): Promise<BlockEditAnswer> {
    return this.serially(() => applyBlockEdit(this.ctx.storage, this.env.KV, edit));
  }

  async blocks(): Promise<Block[]> {
    return this.serially(() => readBlocks(this.ctx.storage));
  }

  override async alarm(): Promise<void> {
    await this.serially(async () => {
      if ((await this.ctx.storage.get<boolean>(PUBLISHED)) !== false) return;
      const raw = await this.ctx.storage.get<string>(DOCUMENT);
      if (raw !== undefined) await this.publish(raw);
    });
  }

  private async current(): Promise<Taxonomy> {
    const stored = await this.ctx.storage.get<string>(DOCUMENT);
    if (stored !== undefined) return parseStoredTaxonomy(stored);
    return parseStoredTaxonomy(await this.env.KV.get(TAXONOMY_KEY, "text"));
  }

  /** Writes the document through to KV; a failure is retried from the alarm. */
  private async publish(raw: string): Promise<void> {
    try {
      await this.env.KV.put(TAXONOMY_KEY, raw);
      await this.ctx.storage.put(PUBLISHED, true);
    } catch (error) {
      console.error("taxonomy write-through to KV failed; retrying from the alarm", error);
      await this.ctx.storage.setAlarm(Date.now() + REPUBLISH_DELAY_MS);
    }
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

export const taxonomyWriter = (env: Env): DurableObjectStub<TaxonomyWriter> => env.TAXONOMY_WRITER.getByName("taxonomy");
