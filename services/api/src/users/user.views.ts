/** User row → API view. The password hash never leaves the repository's row. */
import type { UserView } from "@mingfang/core";
import type { User } from "@mingfang/db";
import { iso } from "../views.js";

export function userView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    stationId: u.station_id,
    disabled: u.disabled,
    createdAt: iso(u.created_at),
  };
}
