// @vitest-environment happy-dom
import { describe, expect, it } from "vitest";
import { ApiError } from "@/api/http";
import type { UserView } from "@/api/types";
import { i18n } from "@/i18n";
import {
  createBody,
  emptyForm,
  formOf,
  roleNeedsStation,
  updateBody,
  userErrorMessage,
  validate,
} from "./user-form";

const user: UserView = {
  id: 7,
  username: "mingshui.duty",
  displayName: "明水值班",
  role: "duty_officer",
  stationId: 3,
  disabled: false,
  createdAt: "2026-01-01T00:00:00.000Z",
};

describe("user form", () => {
  it("knows which roles belong to a station", () => {
    expect(roleNeedsStation("station_staff")).toBe(true);
    expect(roleNeedsStation("duty_officer")).toBe(true);
    expect(roleNeedsStation("bureau_admin")).toBe(false);
    expect(roleNeedsStation("brigade_officer")).toBe(false);
    expect(roleNeedsStation("")).toBe(false);
  });

  it("validates a new user as the server does", () => {
    expect(validate(emptyForm(), "create")).toEqual({
      username: "usernameRequired",
      password: "passwordRequired",
      displayName: "displayNameRequired",
      role: "roleRequired",
    });
    const f = { ...emptyForm(), username: "Zhang San", displayName: "张三", role: "duty_officer" as const };
    expect(validate({ ...f, password: "short", passwordConfirm: "short" }, "create")).toEqual({
      username: "usernameFormat",
      password: "passwordLength",
      stationId: "stationRequired",
    });
    const ok = {
      ...f,
      username: "zhang.san",
      stationId: 3,
      password: "abcdefgh",
      passwordConfirm: "abcdefgh",
    };
    expect(validate(ok, "create")).toEqual({});
    expect(validate({ ...ok, passwordConfirm: "abcdefgx" }, "create")).toEqual({
      passwordConfirm: "passwordMismatch",
    });
    expect(validate({ ...ok, username: "ab" }, "create").username).toBe("usernameFormat");
    expect(validate({ ...ok, username: "-ab" }, "create").username).toBe("usernameFormat");
    expect(validate({ ...ok, role: "brigade_officer", stationId: null }, "create")).toEqual({});
  });

  it("does not ask for a username or password when editing", () => {
    expect(validate(formOf(user), "edit")).toEqual({});
  });

  it("sends no station for the bureau and the brigade", () => {
    const f = { ...formOf(user), role: "brigade_officer" as const, password: "abcdefgh" };
    expect(createBody(f)).toMatchObject({ role: "brigade_officer", stationId: null });
    expect(createBody({ ...f, role: "station_staff" })).toMatchObject({ stationId: 3 });
  });

  it("patches only what changed", () => {
    expect(updateBody(user, formOf(user))).toBeNull();
    expect(updateBody(user, { ...formOf(user), displayName: " 新名 " })).toEqual({ displayName: "新名" });
    expect(updateBody(user, { ...formOf(user), stationId: 4 })).toEqual({ stationId: 4 });
    expect(updateBody(user, { ...formOf(user), role: "brigade_officer" })).toEqual({
      role: "brigade_officer",
      stationId: null,
    });
    expect(updateBody(user, { ...formOf(user), role: "station_staff" })).toEqual({
      role: "station_staff",
      stationId: 3,
    });
  });

  it("turns API errors into user-management messages", () => {
    i18n.global.locale.value = "zh-CN";
    const dup = new ApiError(409, "conflict", "already exists (users_username)");
    expect(userErrorMessage(dup, "create", "zhang.san")).toContain("zhang.san");
    expect(userErrorMessage(dup, "create", "zhang.san")).toContain("已存在");
    expect(userErrorMessage(new ApiError(409, "conflict", "still referenced"), "delete")).toContain("停用");
    const self = new ApiError(
      400,
      "validation_failed",
      "body: you cannot disable or demote yourself",
      "disabled",
    );
    expect(userErrorMessage(self, "update")).toContain("当前登录");
    const st = new ApiError(
      400,
      "validation_failed",
      "body: role 'duty_officer' needs a stationId",
      "stationId",
    );
    expect(userErrorMessage(st, "update")).toContain("监管所");
    expect(userErrorMessage(new ApiError(403, "forbidden", "no"), "update")).toBe("没有权限执行此操作");
  });
});
