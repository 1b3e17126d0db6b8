/**
 * Alert grades, as configuration: 1 = act now, 2 = today, 3 = routine. Pure, no I/O.
 *
 * grade = base grade of the violation type, raised one level (smaller number) by each matching area
 * rule and once more when the same type repeated at the same workshop within the repetition window;
 * never below 1. Each grade has its acknowledgement limit, after which the alert is escalated to the
 * bureau.
 */

export type Grade = 1 | 2 | 3;

export interface AreaRule {
  /** Matched as a substring of the camera's area (冷库, 加工车间, …). */
  areaContains: string;
  /** Types the rule applies to; absent = every type. */
  types?: string[];
  /** Levels to raise (1 → one level more urgent). */
  raise: number;
}

export interface GradePolicy {
  baseGrade: Record<string, Grade>;
  /** For a type not in `baseGrade`. */
  defaultGrade: Grade;
  areaRules: AreaRule[];
  /** Same type, same workshop, at least this many earlier alerts within the window → raise one level. */
  repetition: { count: number; windowHours: number };
  /** Minutes before an unacknowledged alert of each grade is escalated to the bureau. */
  ackLimitMinutes: Record<Grade, number>;
}

export const DEFAULT_GRADE_POLICY: GradePolicy = {
  baseGrade: {
    rodent: 1,
    smoking: 1,
    unclean_area: 2,
    no_gloves: 2,
    no_hat: 3,
    no_mask: 3,
    phone_use: 3,
    uncovered_bin: 3,
    no_work_clothes: 3,
    camera_offline: 2,
    // A covered or turned camera blinds every other check: as urgent as the camera going offline.
    camera_covered: 2,
    camera_moved: 2,
    camera_defocused: 3,
  },
  defaultGrade: 3,
  areaRules: [
    // Cold stores: a break in hygiene there spoils stock for days.
    { areaContains: "冷库", raise: 1 },
    // Where food is open to the air, bare heads and hands and dirty floors matter most.
    {
      areaContains: "加工",
      types: ["no_hat", "no_gloves", "no_mask", "unclean_area", "no_work_clothes"],
      raise: 1,
    },
    { areaContains: "包装", types: ["no_hat", "no_gloves", "no_mask"], raise: 1 },
    { areaContains: "后厨", types: ["no_hat", "no_gloves", "no_mask", "unclean_area"], raise: 1 },
  ],
  repetition: { count: 3, windowHours: 7 * 24 },
  ackLimitMinutes: { 1: 15, 2: 60, 3: 240 },
};

export interface GradeInput {
  type: string;
  area: string;
  /** Earlier alerts of this type at this workshop within the repetition window. */
  recentSameType: number;
}

export function gradeAlert(input: GradeInput, policy: GradePolicy = DEFAULT_GRADE_POLICY): Grade {
  let g: number = policy.baseGrade[input.type] ?? policy.defaultGrade;
  for (const r of policy.areaRules) {
    if (input.area.includes(r.areaContains) && (!r.types || r.types.includes(input.type))) g -= r.raise;
  }
  if (input.recentSameType >= policy.repetition.count) g -= 1;
  return Math.min(3, Math.max(1, g)) as Grade;
}

export function ackLimitMs(grade: number, policy: GradePolicy = DEFAULT_GRADE_POLICY): number {
  const g = Math.min(3, Math.max(1, Math.round(grade))) as Grade;
  return policy.ackLimitMinutes[g] * 60_000;
}
