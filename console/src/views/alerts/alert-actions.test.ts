import { describe, expect, it } from "vitest";
import type { AlertView } from "@/api/types";
import { acknowledgeAll, bulkTargets, noteRequired } from "./alert-actions";

const a = (id: string, actions: string[]) => ({ id, actions }) as AlertView;

describe("alert actions", () => {
  it("requires a note to acknowledge, one or many", () => {
    expect(noteRequired("acknowledge")).toBe(true);
    expect(noteRequired("bulk_acknowledge")).toBe(true);
    expect(noteRequired("resolve")).toBe(false);
    expect(noteRequired("open_case")).toBe(false);
  });

  it("bulk: takes only alerts that offer acknowledge", () => {
    const sel = [a("1", ["acknowledge", "open_case"]), a("2", ["resolve"]), a("3", [])];
    expect(bulkTargets(sel)).toEqual({ targets: [sel[0]], skipped: 2 });
  });

  it("bulk: acknowledges each once, a few at a time, and reports failures", async () => {
    let running = 0;
    let peak = 0;
    const calls: string[] = [];
    const act = async (id: string, note: string) => {
      calls.push(`${id}:${note}`);
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (id === "3") throw new Error("409");
      return a(id, []);
    };
    const alerts = ["1", "2", "3", "4", "5", "6"].map((id) => a(id, ["acknowledge"]));
    const r = await acknowledgeAll(alerts, "看过", act, 2);
    expect(calls.sort()).toEqual(["1", "2", "3", "4", "5", "6"].map((id) => `${id}:看过`));
    expect(peak).toBe(2);
    expect(r.done.map((x) => x.id).sort()).toEqual(["1", "2", "4", "5", "6"]);
    expect(r.failed.map((f) => f.id)).toEqual(["3"]);
    expect(await acknowledgeAll([], "x", act)).toEqual({ done: [], failed: [] });
  });
});
