import { describe, expect, it } from "vitest";
import { type Block, BlockInputSchema, blockIdentity, compileBlocks } from "./block";

const block = (fields: Partial<Block>): Block => ({ id: "b-0000000000000001", created: "2026-01-01T00:00:00.000Z", ...fields });

describe("compileBlocks", () => {
  const matcher = compileBlocks([
    block({ id: "b-0000000000000001", url_pattern: "https://example.com/sponsored/" }),
    block({ id: "b-0000000000000002", url_pattern: "https://*.ads.example/*?utm_campaign=" }),
    block({ id: "b-0000000000000003", url_pattern: "https://dots.example/a.b(c)+" }),
    block({ id: "b-0000000000000004", source: "s-0123456789abcdef", guid: "item-42" }),
  ]);
  const hit = (item: Parameters<typeof matcher.match>[0]) => matcher.match(item)?.id;

  it("matches a URL that starts with the pattern, * standing for any run of characters", () => {
    expect(hit({ url: "https://example.com/sponsored/a-post" })).toBe("b-0000000000000001");
    expect(hit({ url: "https://example.com/news/sponsored/" })).toBeUndefined();
    expect(hit({ url: "https://www.ads.example/x/y?utm_campaign=z" })).toBe("b-0000000000000002");
    expect(hit({ url: "https://www.ads.example/x/y" })).toBeUndefined();
  });

  it("takes regular-expression characters literally", () => {
    expect(hit({ url: "https://dots.example/a.b(c)+/x" })).toBe("b-0000000000000003");
    expect(hit({ url: "https://dots.example/aXb(c)+" })).toBeUndefined();
  });

  it("matches a source's item by its guid, only for that source", () => {
    expect(hit({ sourceId: "s-0123456789abcdef", guid: " item-42 " })).toBe("b-0000000000000004");
    expect(hit({ sourceId: "s-fedcba9876543210", guid: "item-42" })).toBeUndefined();
    expect(hit({ url: "https://elsewhere.example/" })).toBeUndefined();
  });
});

describe("BlockInputSchema", () => {
  it("takes a URL pattern, or a source and a guid, never both or neither", () => {
    expect(BlockInputSchema.safeParse({ url_pattern: "https://x.example/" }).success).toBe(true);
    expect(BlockInputSchema.safeParse({ url_pattern: "*/ads/" }).success).toBe(true);
    expect(BlockInputSchema.safeParse({ source: "s-0123456789abcdef", guid: "g" }).success).toBe(true);
    expect(BlockInputSchema.safeParse({}).success).toBe(false);
    expect(BlockInputSchema.safeParse({ url_pattern: "x", source: "s-0123456789abcdef", guid: "g" }).success).toBe(false);
    expect(blockIdentity({ url_pattern: "https://x.example/" })).not.toBe(blockIdentity({ source: "s-0123456789abcdef", guid: "https://x.example/" }));
  });
});
