import { describe, expect, it } from "vitest";
import { STYLE } from "./layout";

describe("STYLE", () => {
  it("has no character JSX would escape inside <style>", () => {
    expect(STYLE).not.toMatch(/[<>&"]/);
  });
});
