/** Backoff, Retry-After and due-order rules (schedule.ts). */
import { describe, expect, it } from "vitest";
import { MAX_BACKOFF_MS, backoffDelayMs, nextDueMs, parseRetryAfter, pickDue } from "./schedule";

const MIN = 60_000;
const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

describe("backoff", () => {
  it("waits the interval after a success and doubles per consecutive failure", () => {
    expect(backoffDelayMs(30, 0)).toBe(30 * MIN);
    expect(backoffDelayMs(30, 1)).toBe(60 * MIN);
    expect(backoffDelayMs(30, 2)).toBe(120 * MIN);
    expect(backoffDelayMs(30, 3)).toBe(240 * MIN);
    expect(backoffDelayMs(5, 4)).toBe(80 * MIN);
  });

  it("never waits more than a day, however many failures", () => {
    expect(backoffDelayMs(30, 6)).toBe(MAX_BACKOFF_MS);
    expect(backoffDelayMs(1440, 1)).toBe(MAX_BACKOFF_MS);
    expect(backoffDelayMs(5, 1000)).toBe(MAX_BACKOFF_MS);
  });

  it("the schedule for a 30-minute source failing repeatedly", () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => nextDueMs({ nowMs: NOW, intervalMinutes: 30, failures: n }) - NOW);
    expect(delays.map((d) => d / MIN)).toEqual([60, 120, 240, 480, 960, 1440, 1440]);
  });
});

describe("Retry-After", () => {
  it("reads delay-seconds and HTTP-dates", () => {
    expect(parseRetryAfter("120", NOW)).toBe(NOW + 120_000);
    expect(parseRetryAfter("Wed, 01 May 2024 14:00:00 GMT", NOW)).toBe(Date.UTC(2024, 4, 1, 14));
    expect(parseRetryAfter("Wed, 01 May 2024 10:00:00 GMT", NOW)).toBe(NOW);
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter("soon", NOW)).toBeUndefined();
    expect(parseRetryAfter("-5", NOW)).toBeUndefined();
  });

  it("puts the next fetch no earlier than asked, and no later than 7 days", () => {
    expect(nextDueMs({ nowMs: NOW, intervalMinutes: 30, failures: 1, retryAtMs: NOW + 5 * 3600_000 })).toBe(NOW + 5 * 3600_000);
    expect(nextDueMs({ nowMs: NOW, intervalMinutes: 30, failures: 1, retryAtMs: NOW + MIN })).toBe(NOW + 60 * MIN);
    expect(nextDueMs({ nowMs: NOW, intervalMinutes: 30, failures: 1, retryAtMs: NOW + 365 * 24 * 3600_000 })).toBe(NOW + 7 * 24 * 3600_000);
  });
});

describe("pickDue", () => {
  it("takes due sources oldest first, ties by id, at most the limit", () => {
    const picked = pickDue(
      [
        { id: "s-c", dueMs: NOW - 10 },
        { id: "s-a", dueMs: NOW + 1 },
        { id: "s-b", dueMs: 0 },
        { id: "s-e", dueMs: NOW - 10 },
        { id: "s-d", dueMs: NOW },
      ],
      NOW,
      3,
    );
    expect(picked.map((c) => c.id)).toEqual(["s-b", "s-c", "s-e"]);
    expect(pickDue([{ id: "x", dueMs: NOW }], NOW, 0)).toEqual([]);
  });

  it("takes sources in the middle of a document first, unless their part has expired", () => {
    const picked = pickDue(
      [
        { id: "s-a", dueMs: 0 },
        { id: "s-b", dueMs: NOW - 5, resumeUntilMs: NOW + 10 * MIN },
        { id: "s-c", dueMs: NOW - 10, resumeUntilMs: NOW },
        { id: "s-d", dueMs: NOW - 20, resumeUntilMs: NOW + MIN },
      ],
      NOW,
      3,
    );
    expect(picked.map((c) => c.id)).toEqual(["s-d", "s-b", "s-a"]);
  });
});
