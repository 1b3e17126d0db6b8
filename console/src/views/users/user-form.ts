/**
 * The user dialog's logic, kept out of the component: which roles need a station, the form's
 * validation (the server's rules: username pattern, lengths, role ↔ station), the request bodies
 * (only the fields that changed), and API errors as user-management messages.
 */
import { ApiError } from "@/api/http";
import type { Role, UserCreateBody, UserUpdateBody, UserView } from "@/api/types";
import { t } from "@/i18n";
import { errorMessage } from "@/utils/errors";

export const ROLES: readonly Role[] = ["bureau_admin", "station_staff", "duty_officer", "brigade_officer"];

/** Station staff and duty officers belong to a station; the bureau and the brigade to none. */
export function roleNeedsStation(role: Role | "" | null | undefined): boolean {
  return role === "station_staff" || role === "duty_officer";
}

export interface UserForm {
  username: string;
  displayName: string;
  role: Role | "";
  stationId: number | null;
  password: string;
  passwordConfirm: string;
}

export function emptyForm(): UserForm {
  return { username: "", displayName: "", role: "", stationId: null, password: "", passwordConfirm: "" };
}

export function formOf(u: UserView): UserForm {
  return {
    ...emptyForm(),
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    stationId: u.stationId,
  };
}

const USERNAME = /^[a-z0-9][a-z0-9._-]*$/;

/** The first problem of each field (message key under users.rules), for a create or an edit. */
export function validate(f: UserForm, mode: "create" | "edit"): Partial<Record<keyof UserForm, string>> {
  const e: Partial<Record<keyof UserForm, string>> = {};
  if (mode === "create") {
    const u = f.username.trim();
    if (!u) e.username = "usernameRequired";
    else if (u.length < 3 || u.length > 64 || !USERNAME.test(u)) e.username = "usernameFormat";
    Object.assign(e, validatePassword(f.password, f.passwordConfirm));
  }
  const name = f.displayName.trim();
  if (!name) e.displayName = "displayNameRequired";
  else if (name.length > 64) e.displayName = "displayNameLength";
  if (!f.role) e.role = "roleRequired";
  else if (roleNeedsStation(f.role) && f.stationId == null) e.stationId = "stationRequired";
  return e;
}

export function validatePassword(
  password: string,
  confirm: string,
): { password?: string; passwordConfirm?: string } {
  if (!password) return { password: "passwordRequired" };
  if (password.length < 8 || password.length > 200) return { password: "passwordLength" };
  if (password !== confirm) return { passwordConfirm: "passwordMismatch" };
  return {};
}

export function createBody(f: UserForm): UserCreateBody {
  const role = f.role as Role;
  return {
    username: f.username.trim(),
    displayName: f.displayName.trim(),
    password: f.password,
    role,
    stationId: roleNeedsStation(role) ? f.stationId : null,
  };
}

/** Only what changed (the API ends the user's sessions on a role or station change); null: nothing. */
export function updateBody(before: UserView, f: UserForm): UserUpdateBody | null {
  const role = f.role as Role;
  const stationId = roleNeedsStation(role) ? f.stationId : null;
  const body: UserUpdateBody = {};
  if (f.displayName.trim() !== before.displayName) body.displayName = f.displayName.trim();
  if (role !== before.role) body.role = role;
  if (stationId !== before.stationId || role !== before.role) body.stationId = stationId;
  return Object.keys(body).length ? body : null;
}

/** An API error of user management as a readable message (409 on create: the name is taken). */
export function userErrorMessage(
  err: unknown,
  action: "create" | "update" | "delete",
  username = "",
): string {
  if (err instanceof ApiError) {
    if (err.status === 409 && action === "create") return t("users.errors.duplicate", { username });
    if (err.status === 409 && action === "delete") return t("users.errors.referenced");
    if (err.code === "validation_failed" && /yourself/.test(err.message)) return t("users.errors.self");
    if (err.code === "validation_failed" && err.field === "stationId") return t("users.errors.station");
  }
  return errorMessage(err);
}
