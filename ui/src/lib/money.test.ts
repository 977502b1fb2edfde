import { describe, expect, it } from "vitest";
import { i18n } from "../i18n";
import { formatRate, formatUsd, parseUsd, usdInput } from "./money";

describe("money", () => {
  it("shows micro-dollars as Replicate prices, unknown as a word", async () => {
    await i18n.changeLanguage("en");
    expect(formatUsd(5_000_000)).toBe("$5.00");
    expect(formatUsd(120_000)).toBe("$0.12");
    expect(formatUsd(123_456)).toBe("$0.12");
    expect(formatUsd(3_000)).toBe("$0.003");
    expect(formatUsd(5_850)).toBe("$0.00585");
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(1_234_560_000)).toBe("$1,234.56");
    expect(formatUsd(null)).toBe("unknown");
    expect(formatRate(975)).toBe("$0.000975");
  });

  it("reads typed limits exactly; blank is no limit, junk is refused", () => {
    expect(parseUsd("5")).toBe(5_000_000);
    expect(parseUsd("$0.50")).toBe(500_000);
    expect(parseUsd(" .25 ")).toBe(250_000);
    expect(parseUsd("")).toBeNull();
    expect(parseUsd("abc")).toBeUndefined();
    expect(parseUsd("1.2.3")).toBeUndefined();
    expect(parseUsd("0.0000001")).toBeUndefined();
    expect(usdInput(5_000_000)).toBe("5.00");
    expect(usdInput(null)).toBe("");
  });
});
