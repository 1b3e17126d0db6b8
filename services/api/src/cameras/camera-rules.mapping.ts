/**
 * Between a camera row's `schedule` / `analytics` columns and the console's rules view, pure. Writing only
 * touches the keys the view edits (`checks.<check>.threshold`, `persistence.k|n`, `cooldownS`, `enabled`);
 * whatever else the overrides hold (intervals, baselines, sources) is kept.
 */
import {
  type CameraRulesBody,
  type CameraRulesView,
  CameraSchedule,
  type CheckOverrides,
  RULE_CHECKS,
  type RuleCheck,
} from "@mingfang/core";
import { Value } from "typebox/value";
import { badRequest } from "../errors.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const json = (v: unknown): unknown => (typeof v === "string" ? JSON.parse(v) : v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The stored schedule in the view's shape, or null (none, or one the console cannot edit). */
export function scheduleOf(raw: unknown): CameraRulesView["schedule"] {
  const s = json(raw);
  if (!isObj(s)) return null;
  const candidate = { days: s.days, hours: s.hours };
  return Value.Check(CameraSchedule, candidate) ? (candidate as CameraRulesView["schedule"]) : null;
}

function checkOf(raw: unknown): Required<CheckOverrides> {
  const c = isObj(raw) ? raw : {};
  const p = isObj(c.persistence) ? c.persistence : {};
  return {
    enabled: typeof c.enabled === "boolean" ? c.enabled : null,
    threshold: num(c.threshold),
    persistenceK: num(p.k),
    persistenceN: num(p.n),
    cooldownS: num(c.cooldownS),
  };
}

export function rulesView(cameraId: number, row: { schedule: unknown; analytics: unknown }): CameraRulesView {
  const a = json(row.analytics);
  const checks = isObj(a) && isObj(a.checks) ? a.checks : {};
  return {
    cameraId,
    schedule: scheduleOf(row.schedule),
    checks: {
      no_hat: checkOf(checks.no_hat),
      no_gloves: checkOf(checks.no_gloves),
      no_mask: checkOf(checks.no_mask),
      unclean_area: checkOf(checks.unclean_area),
      tamper: checkOf(checks.tamper),
    },
  };
}

/** Set a key, or remove it for null; undefined leaves it alone. */
function put(o: Obj, key: string, v: unknown): void {
  if (v === undefined) return;
  if (v === null) delete o[key];
  else o[key] = v;
}

/** One check's stored overrides with the body's changes applied; refuses k > n or only one of them. */
function applyCheck(stored: unknown, change: CheckOverrides, check: RuleCheck): Obj {
  const c: Obj = isObj(stored) ? structuredClone(stored) : {};
  put(c, "enabled", change.enabled);
  put(c, "threshold", change.threshold);
  put(c, "cooldownS", change.cooldownS);
  const p: Obj = isObj(c.persistence) ? c.persistence : {};
  put(p, "k", change.persistenceK);
  put(p, "n", change.persistenceN);
  if (Object.keys(p).length) c.persistence = p;
  else delete c.persistence;
  const k = num(p.k);
  const n = num(p.n);
  const field = `checks.${check}.persistenceK`;
  // The worker merges over its defaults; k alone above the default n would stop the camera's analysis.
  if ((k === null) !== (n === null)) throw badRequest(field, `body: '${field}' and persistenceN go together`);
  if (k !== null && n !== null && k > n)
    throw badRequest(field, `body: '${field}' must not exceed persistenceN`);
  return c;
}

/** The new `analytics` column value, or undefined when the body does not touch the checks. */
export function analyticsWith(stored: unknown, body: CameraRulesBody): Obj | null | undefined {
  if (!body.checks) return undefined;
  const a: Obj = isObj(json(stored)) ? structuredClone(json(stored) as Obj) : {};
  const checks: Obj = isObj(a.checks) ? a.checks : {};
  for (const name of RULE_CHECKS) {
    const change = body.checks[name];
    if (!change) continue;
    const next = applyCheck(checks[name], change, name);
    if (Object.keys(next).length) checks[name] = next;
    else delete checks[name];
  }
  if (Object.keys(checks).length) a.checks = checks;
  else delete a.checks;
  return Object.keys(a).length ? a : null;
}

/**
 * The `analytics` column with the tamper check's reference epoch bumped (`checks.tamper.referenceEpoch`):
 * the worker, reading the row again (within 30 s), learns a new reference for the camera. Everything else
 * in the column is kept.
 */
export function withNewTamperReference(stored: unknown): Obj {
  const a: Obj = isObj(json(stored)) ? structuredClone(json(stored) as Obj) : {};
  const checks: Obj = isObj(a.checks) ? a.checks : {};
  const tamper: Obj = isObj(checks.tamper) ? checks.tamper : {};
  const epoch = num(tamper.referenceEpoch);
  tamper.referenceEpoch = epoch !== null && epoch >= 0 ? Math.floor(epoch) + 1 : 1;
  checks.tamper = tamper;
  a.checks = checks;
  return a;
}

/** Does a camera update move the picture the tamper reference was learned from (or say so)? */
export function changesView(body: {
  sourceUrl?: unknown;
  subUrl?: unknown;
  push?: unknown;
  relearnReference?: unknown;
}): boolean {
  return (
    body.relearnReference === true ||
    body.sourceUrl !== undefined ||
    body.subUrl !== undefined ||
    body.push !== undefined
  );
}
