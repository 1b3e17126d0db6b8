/** Calls of user management (用户管理, bureau admin): list, create, update (role, station, disabled, password), delete. */
import { http } from "./http";
import type { Page, Role, UserCreateBody, UserUpdateBody, UserView } from "./types";

export interface UserFilter {
  stationId?: number;
  role?: Role;
  page: number;
  pageSize: number;
}

export const usersApi = {
  list: (q: UserFilter, signal?: AbortSignal) => http.get<Page<UserView>>("/api/users", { ...q }, signal),
  create: (body: UserCreateBody) => http.post<UserView>("/api/users", body),
  update: (id: number, body: UserUpdateBody) => http.patch<UserView>(`/api/users/${id}`, body),
  remove: (id: number) => http.del<void>(`/api/users/${id}`),
};
