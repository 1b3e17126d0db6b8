/**
 * Bad input on the case routes (fast-check): arbitrary and mutated bodies are a clean 4xx with the error
 * shape, never a 5xx, and a refused request changes nothing (no case, no timeline row, no audit row).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildTestApp, type TestApp } from "../../../../test/support/harness.js";

const RUNS = { numRuns: 40 };
let t: TestApp;
let duty: string;
let workshopId: number;
let caseId: string;

const send = (url: string, payload: unknown) =>
  t.app.inject({
    method: "POST",
    url,
    headers: { cookie: duty, "content-type": "application/json" },
    payload: JSON.stringify(payload),
  });

async function counts() {
  const n = async (table: "cases" | "case_events" | "audit_log") =>
    Number(
      (
        await t.db
          .selectFrom(table)
          .select(({ fn }) => fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { cases: await n("cases"), events: await n("case_events"), audit: await n("audit_log") };
}

const date = fc
  .date({ min: new Date("1970-01-01T00:00:00Z"), max: new Date("9999-12-31T23:59:59Z"), noInvalidDate: true })
  .map((d) => d.toISOString());
const field = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  date,
  fc.uuid(),
  fc.array(fc.uuid(), { maxLength: 3 }),
);

beforeAll(async () => {
  t = await buildTestApp({ alerts: { workers: false } });
  duty = await t.login("mingshui.duty");
  const station = await t.stationId("mingshui");
  workshopId = (
    await t.db
      .selectFrom("workshops")
      .select("id")
      .where("station_id", "=", station)
      .executeTakeFirstOrThrow()
  ).id;
  const r = await send("/api/cases", { workshopId, title: "fuzz" });
  expect(r.statusCode).toBe(201);
  caseId = r.json().id;
});

afterAll(async () => {
  await t?.close();
});

function shape(res: { statusCode: number; json(): { error?: unknown; message?: unknown } }) {
  expect(res.statusCode).toBeLessThan(500);
  expect(typeof res.json().error).toBe("string");
  expect(typeof res.json().message).toBe("string");
}

describe("case routes and bad input", () => {
  it("POST /api/cases: arbitrary objects are 201 or a clean 4xx that writes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            alertIds: field,
            stationId: field,
            workshopId: fc.oneof(field, fc.constant(workshopId)),
            title: field,
            description: field,
            assignBrigade: field,
            dispatchDueAt: field,
            note: field,
            extra: field,
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const before = await counts();
          const res = await send("/api/cases", body);
          if (res.statusCode === 201) return;
          shape(res);
          expect(await counts()).toEqual(before);
        },
      ),
      RUNS,
    );
  });

  it("POST /api/cases/:id/transitions: arbitrary bodies never 5xx; a refusal changes nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            transition: fc.oneof(
              field,
              fc.constantFrom(
                "dispatch",
                "check_in",
                "order_rectification",
                "review",
                "close",
                "submit_rectification",
              ),
            ),
            note: field,
            rectificationDueAt: field,
            onSiteDueAt: field,
            checkedInAt: field,
            outcome: fc.oneof(field, fc.constantFrom("false_alarm", "rectified", "penalised")),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const before = await counts();
          const state = (
            await t.db.selectFrom("cases").select("state").where("id", "=", caseId).executeTakeFirstOrThrow()
          ).state;
          const res = await send(`/api/cases/${caseId}/transitions`, body);
          if (res.statusCode === 200) return;
          shape(res);
          expect(await counts()).toEqual(before);
          const after = (
            await t.db.selectFrom("cases").select("state").where("id", "=", caseId).executeTakeFirstOrThrow()
          ).state;
          expect(after).toBe(state);
        },
      ),
      RUNS,
    );
  });

  it("a bad case id is a 400 naming id; an unknown one a 404", async () => {
    let r = await t.app.inject({ method: "GET", url: "/api/cases/not-a-uuid", headers: { cookie: duty } });
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe("id");
    r = await t.app.inject({
      method: "GET",
      url: "/api/cases/00000000-0000-4000-8000-000000000000",
      headers: { cookie: duty },
    });
    expect(r.statusCode).toBe(404);
  });
});
