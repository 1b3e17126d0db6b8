/** The two public pages: the list of demonstration sites and one site (video, licence card, record, feedback). */
import type { PublicCamera, PublicSiteDetail, PublicSiteSummary } from "@contracts/public";
import { PublicApiError, publicApi } from "./api";
import { formatDay, h } from "./dom";
import { feedbackForm } from "./feedback";
import { currentLang, t } from "./i18n";
import { type Player, play } from "./player";

function badge(level: PublicSiteSummary["demonstration"]): HTMLElement | null {
  return level ? h("span", { class: `badge ${level}` }, t(`site.${level}`)) : null;
}

function siteCard(s: PublicSiteSummary): HTMLElement {
  return h(
    "a",
    { class: "card site-card", href: `/public/sites/${s.id}`, "data-testid": "site-card" },
    h(
      "div",
      { class: "site-head" },
      h("h2", {}, s.name),
      s.cover ? h("span", { class: "live-dot" }, t("site.live")) : null,
    ),
    h("p", { class: "muted" }, `${s.category} · ${s.stationName}`),
    h("p", { class: "muted small" }, s.address),
    badge(s.demonstration),
  );
}

export async function listPage(root: HTMLElement): Promise<void> {
  root.replaceChildren(h("h1", {}, t("site.listTitle")), h("p", { class: "muted" }, t("site.listIntro")));
  try {
    const { items } = await publicApi.sites();
    if (!items.length) root.append(h("p", { class: "empty" }, t("site.empty")));
    root.append(h("div", { class: "site-list" }, ...items.map(siteCard)));
  } catch {
    root.append(h("p", { class: "empty error" }, t("site.loadFailed")));
  }
}

/** The live video with one tab per camera; tapping a tab switches the stream. */
function videoBlock(cameras: PublicCamera[], players: Player[]): HTMLElement {
  if (!cameras.length) return h("div", { class: "card" }, h("p", { class: "empty" }, t("site.noVideo")));
  const video = h("video", {
    class: "video",
    muted: true,
    playsinline: true,
    autoplay: true,
    "data-testid": "public-video",
  });
  const state = h("div", { class: "video-state" }, t("site.videoLoading"));
  const onState = (s: "loading" | "playing" | "error") => {
    state.textContent = s === "playing" ? "" : t(s === "error" ? "site.videoError" : "site.videoLoading");
    state.hidden = s === "playing";
  };
  const open = (c: PublicCamera) => {
    for (const p of players.splice(0)) p.stop();
    players.push(play(video, c.hls, onState));
    for (const b of tabs) b.setAttribute("aria-pressed", String(Number(b.dataset.camera) === c.id));
  };
  const tabs = cameras.map((c) =>
    h(
      "button",
      { type: "button", class: "cam-tab", "data-camera": String(c.id), onclick: () => open(c) },
      `${c.name} · ${c.area}`,
    ),
  );
  const wrap = h(
    "section",
    { class: "card video-card" },
    h("div", { class: "video-box" }, video, state),
    cameras.length > 1 ? h("p", { class: "muted small" }, t("site.tapToSwitch")) : null,
    h("div", { class: "cam-tabs", "data-testid": "camera-tabs" }, ...tabs),
  );
  open(cameras[0]!);
  return wrap;
}

function licenceCard(s: PublicSiteDetail): HTMLElement {
  const row = (k: string, v: string) => h("div", { class: "kv" }, h("dt", {}, t(k)), h("dd", {}, v));
  return h(
    "section",
    { class: "card licence", "data-testid": "licence-card" },
    h("h2", {}, t("site.licenceCard")),
    h(
      "dl",
      {},
      row("site.licenceNo", s.licenceNo),
      row("site.category", s.category),
      row("site.address", s.address),
      row("site.station", s.stationName),
    ),
  );
}

function recordCard(s: PublicSiteDetail): HTMLElement {
  const lang = currentLang();
  const r = s.lastRectification;
  const what = r
    ? r.violations.length
      ? r.violations.map((v) => t(`violations.${v}`)).join("、")
      : r.title
    : "";
  return h(
    "section",
    { class: "card record", "data-testid": "record-card" },
    h("h2", {}, t("site.record")),
    h(
      "div",
      { class: "days" },
      h("span", { class: "muted" }, t("site.daysSince")),
      h(
        "strong",
        { "data-testid": "days-since" },
        s.daysSinceViolation === null ? t("site.noViolation") : t("site.days", { n: s.daysSinceViolation }),
      ),
    ),
    h("h3", {}, t("site.lastRectification")),
    r
      ? h(
          "p",
          { "data-testid": "last-rectification" },
          what,
          h("br"),
          h(
            "span",
            { class: "muted small" },
            `${t("site.rectifiedAt")} ${formatDay(r.rectifiedAt, lang)} · ${t("site.closedAt")} ${formatDay(r.closedAt, lang)}`,
          ),
        )
      : h("p", { class: "muted" }, t("site.noRectification")),
  );
}

export async function sitePage(root: HTMLElement, id: number, players: Player[]): Promise<void> {
  root.replaceChildren(h("a", { class: "back", href: "/public" }, `‹ ${t("site.back")}`));
  let s: PublicSiteDetail;
  try {
    s = await publicApi.site(id);
  } catch (err) {
    const missing = err instanceof PublicApiError && err.status === 404;
    root.append(h("p", { class: "empty error" }, t(missing ? "site.notFound" : "site.loadFailed")));
    return;
  }
  document.title = `${s.name} · ${t("site.programme")}`;
  root.append(
    h("h1", {}, s.name),
    h("p", { class: "muted" }, `${s.category} · ${s.stationName}`, " ", badge(s.demonstration)),
    videoBlock(s.cameras, players),
    licenceCard(s),
    recordCard(s),
    feedbackForm(s.id),
  );
}
