import { http, request } from "./http";
import type { StationView, UserView } from "./types";

export const authApi = {
  login: (username: string, password: string) =>
    request<{ user: UserView }>("POST", "/api/auth/login", { body: { username, password }, allow401: true }),
  logout: () => request<void>("POST", "/api/auth/logout", { allow401: true }),
  me: () => request<UserView>("GET", "/api/me", { allow401: true }),
  changePassword: (currentPassword: string, newPassword: string) =>
    http.post<void>("/api/me/password", { currentPassword, newPassword }),
  stations: () => http.get<{ items: StationView[] }>("/api/stations").then((r) => r.items),
};
