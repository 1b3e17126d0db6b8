import { describe, expect, it } from "vitest";
import { parseRoles, rolesNeedDatabase } from "./platform.js";

describe("roles", () => {
  it("opens the database for every role but the ingest alone", () => {
    expect(rolesNeedDatabase(["ingest"])).toBe(false);
    expect(rolesNeedDatabase(["api"])).toBe(true);
    // The analytics reads each camera's rules from its row.
    expect(rolesNeedDatabase(["analytics"])).toBe(true);
    expect(rolesNeedDatabase(parseRoles("ingest,analytics"))).toBe(true);
    expect(rolesNeedDatabase(parseRoles("api,ingest,analytics"))).toBe(true);
  });

  it("parses a comma-separated subset, refusing unknown roles", () => {
    expect(parseRoles(" ingest, api ,ingest")).toEqual(["ingest", "api"]);
    expect(() => parseRoles("")).toThrow(/at least one/);
    expect(() => parseRoles("api,db")).toThrow(/unknown role 'db'/);
  });
});
