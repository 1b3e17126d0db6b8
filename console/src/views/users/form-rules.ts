/** Element Plus form rules from `validate` (one validator per field, messages from users.rules). */
import type { FormItemRule } from "element-plus";
import { t } from "@/i18n";
import { type UserForm, validate, validatePassword } from "./user-form";

type Field = keyof UserForm;

export function userRules(
  form: UserForm,
  mode: () => "create" | "edit",
): Partial<Record<Field, FormItemRule[]>> {
  const rule = (field: Field): FormItemRule[] => [
    {
      trigger: ["blur", "change"],
      validator: (_r, _v, cb) => {
        const key = validate(form, mode())[field];
        if (key) cb(new Error(t(`users.rules.${key}`)));
        else cb();
      },
    },
  ];
  return {
    username: rule("username"),
    displayName: rule("displayName"),
    role: rule("role"),
    stationId: rule("stationId"),
    password: rule("password"),
    passwordConfirm: rule("passwordConfirm"),
  };
}

export function passwordRules(p: { password: string; confirm: string }): Record<string, FormItemRule[]> {
  const rule = (field: "password" | "passwordConfirm"): FormItemRule[] => [
    {
      trigger: ["blur", "change"],
      validator: (_r, _v, cb) => {
        const key = validatePassword(p.password, p.confirm)[field];
        if (key) cb(new Error(t(`users.rules.${key}`)));
        else cb();
      },
    },
  ];
  return { password: rule("password"), confirm: rule("passwordConfirm") };
}
