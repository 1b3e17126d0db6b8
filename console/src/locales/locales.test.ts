import { describe, expect, it } from "vitest";
import { messages } from "./index";

function keys(obj: unknown, prefix = ""): string[] {
  if (obj === null || typeof obj !== "object") return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) =>
    keys(v, prefix ? `${prefix}.${k}` : k),
  );
}

describe("message files", () => {
  it("have the same keys in Chinese and English", () => {
    const zh = new Set(keys(messages["zh-CN"]));
    const en = new Set(keys(messages.en));
    expect([...zh].filter((k) => !en.has(k))).toEqual([]);
    expect([...en].filter((k) => !zh.has(k))).toEqual([]);
  });

  it("have no empty message", () => {
    for (const lang of [messages["zh-CN"], messages.en]) {
      const flat = keys(lang);
      for (const k of flat) {
        const v = k.split(".").reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], lang);
        expect(typeof v === "string" && v.length > 0, k).toBe(true);
      }
    }
  });
});
