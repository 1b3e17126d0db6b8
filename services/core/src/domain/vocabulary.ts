/**
 * The words the rules, the contracts and the data model share: user roles, risk levels, a workshop's working
 * hours. They live here (not with the table types in @mingfang/db) so that the policy, the contracts and
 * the console use them without loading the database package.
 */
export const ROLES = ["bureau_admin", "station_staff", "duty_officer", "brigade_officer"] as const;
export type Role = (typeof ROLES)[number];
export const RISK_LEVELS = ["high", "medium", "low"] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export interface WorkingHoursJson {
  start: string;
  end: string;
  days?: number[];
}
