/** The activity form's plain logic: its state from an activity, the checks, and the body the API takes. */
import type { ActivityBody, ActivityView } from "@/api/plan";

export interface ActivityForm {
  stationId: number | null;
  heldOn: string;
  title: string;
  participants: number;
  summary: string;
}

const BEIJING_MS = 8 * 3600_000;
const today = (now: Date) => new Date(now.getTime() + BEIJING_MS).toISOString().slice(0, 10);

/** The form for an activity (editing), or a new one of the user's station held today. */
export function activityForm(
  a: ActivityView | null,
  ownStation: number | null,
  now = new Date(),
): ActivityForm {
  if (a)
    return {
      stationId: a.stationId,
      heldOn: a.heldOn,
      title: a.title,
      participants: a.participants,
      summary: a.summary,
    };
  return { stationId: ownStation, heldOn: today(now), title: "", participants: 10, summary: "" };
}

/** The first problem of the form as a message key, or null. */
export function activityProblem(f: ActivityForm): string | null {
  if (!f.stationId) return "stationRequired";
  if (!/^\d{4}-\d{2}-\d{2}$/.test(f.heldOn)) return "heldOnRequired";
  if (!f.title.trim()) return "titleRequired";
  if (!Number.isInteger(f.participants) || f.participants < 1) return "participantsInvalid";
  return null;
}

/** The body of `POST /api/activities` (the form checked first). */
export function activityBody(f: ActivityForm): ActivityBody {
  return {
    stationId: f.stationId as number,
    heldOn: f.heldOn,
    title: f.title.trim(),
    participants: f.participants,
    summary: f.summary.trim(),
  };
}
