/**
 * The public transparent-supervision pages (透明化监管示范), opened by scanning the QR code on a workshop's
 * door: `/public` lists the demonstration sites, `/public/sites/:id` shows one. Plain DOM, no framework and
 * no component library, so that a phone on a slow network paints quickly; hls.js loads only with a video.
 */
import "./public.css";
import { h } from "./dom";
import { currentLang, setLang, t } from "./i18n";
import { listPage, sitePage } from "./pages";
import type { Player } from "./player";

const players: Player[] = [];

function header(): HTMLElement {
  return h(
    "header",
    { class: "top" },
    h(
      "div",
      {},
      h("div", { class: "bureau" }, t("site.bureau")),
      h("div", { class: "programme" }, t("site.programme")),
    ),
    h(
      "button",
      {
        type: "button",
        class: "lang",
        "data-testid": "lang-switch",
        onclick: () => {
          setLang(currentLang() === "en" ? "zh-CN" : "en");
          render();
        },
      },
      t("site.language"),
    ),
  );
}

function render(): void {
  for (const p of players.splice(0)) p.stop();
  const app = document.getElementById("public-app")!;
  const main = h("main", { class: "page" });
  app.replaceChildren(header(), main);
  const m = /^\/public\/sites\/(\d+)\/?$/.exec(location.pathname);
  if (m) void sitePage(main, Number(m[1]), players);
  else void listPage(main);
}

setLang(currentLang());
render();
