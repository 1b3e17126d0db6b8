/** The public API (no account): typed by the shared contracts. */
import type { PublicFeedbackBody, PublicSiteDetail, PublicSiteList } from "@contracts/public";

export class PublicApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, credentials: "omit" });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    const retry = res.headers.get("retry-after");
    throw new PublicApiError(res.status, body.message ?? res.statusText, retry ? Number(retry) : null);
  }
  return (await res.json()) as T;
}

export const publicApi = {
  sites: () => call<PublicSiteList>("/api/public/sites"),
  site: (id: number) => call<PublicSiteDetail>(`/api/public/sites/${id}`),
  feedback: (id: number, body: PublicFeedbackBody) =>
    call<{ received: true; at: string }>(`/api/public/sites/${id}/feedback`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
};
