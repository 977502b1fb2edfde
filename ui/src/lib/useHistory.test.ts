import { describe, expect, it } from "vitest";
import { isFiltered, NO_FILTERS, toQuery } from "./useHistory";

describe("the history's query", () => {
  it("a run (a 'Queue finished' click) asks for exactly its instants, in place of the days", () => {
    const run = { from: "2026-12-02T18:00:00.123Z", to: "2026-12-02T18:05:01.001Z" };
    const q = toQuery({ ...NO_FILTERS, from: "2026-11-01", run }, null);
    expect(q.from).toBe(run.from);
    expect(q.to).toBe(run.to);
    expect(isFiltered({ ...NO_FILTERS, run })).toBe(true);
  });

  it("without a run, the days of the date inputs", () => {
    const q = toQuery({ ...NO_FILTERS, from: "2026-11-01" }, null);
    expect(q.from).toBe(new Date("2026-11-01T00:00:00").toISOString());
    expect(q.to).toBeNull();
    expect(isFiltered(NO_FILTERS)).toBe(false);
  });
});
