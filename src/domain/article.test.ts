import { describe, expect, it } from "vitest";
import { isoOffset, parseIsoDate } from "./article";

describe("parseIsoDate", () => {
  it("reads dates with and without offsets; no offset is UTC", () => {
    expect(parseIsoDate("2022-08-27T00:00:00+03:00")).toBe(Date.UTC(2022, 7, 26, 21));
    expect(parseIsoDate("2022-08-27T00:00:00+0300")).toBe(Date.UTC(2022, 7, 26, 21));
    expect(parseIsoDate("2022-08-27T00:00:00-05")).toBe(Date.UTC(2022, 7, 27, 5));
    expect(parseIsoDate("2022-08-27T00:00Z")).toBe(Date.UTC(2022, 7, 27));
    expect(parseIsoDate("2022-08-27 10:11:12.345678")).toBe(Date.UTC(2022, 7, 27, 10, 11, 12, 345));
    expect(parseIsoDate("2022-08-27")).toBe(Date.UTC(2022, 7, 27));
  });

  it("refuses impossible dates instead of rolling them over", () => {
    for (const bad of ["2022-02-30", "2023-02-29T00:00:00Z", "2022-13-01", "2022-01-01T24:00:00Z", "2022-01-01T00:00:00+25:00", "yesterday", "", "2022-1-1"]) {
      expect(parseIsoDate(bad), bad).toBeUndefined();
    }
    expect(parseIsoDate("2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoDate("2000-02-29")).toBe(Date.UTC(2000, 1, 29));
    expect(parseIsoDate("1900-02-29")).toBeUndefined();
  });

  it("keeps years below 100 as they are", () => {
    expect(new Date(parseIsoDate("0042-03-04T00:00:00Z")!).getUTCFullYear()).toBe(42);
  });
});

describe("isoOffset", () => {
  it("keeps a publisher's numeric offset, not UTC", () => {
    expect(isoOffset("2022-08-27T00:00:00+03:00")).toBe("+03:00");
    expect(isoOffset("2022-08-27T00:00:00-0430")).toBe("-04:30");
    expect(isoOffset("2022-08-27T00:00:00+05")).toBe("+05:00");
    expect(isoOffset("2022-08-27T00:00:00Z")).toBeUndefined();
    expect(isoOffset("2022-08-27T00:00:00+00:00")).toBeUndefined();
    expect(isoOffset("2022-08-27")).toBeUndefined();
  });
});
