/**
 * The feedback form of a site (表扬 / 建议 / 投诉): kind as three buttons, a textarea with a counter, an
 * optional contact, and what the server answered shown in words — sent, too short, too many (with when to
 * try again, from `retry-after`), or the error's message.
 */
import { PUBLIC_FEEDBACK_LIMITS, type PublicFeedbackKind } from "@contracts/public";
import { PublicApiError, publicApi } from "./api";
import { h } from "./dom";
import { t } from "./i18n";

const KINDS: PublicFeedbackKind[] = ["praise", "suggestion", "complaint"];
const { bodyMin, bodyMax, contactMax } = PUBLIC_FEEDBACK_LIMITS;

export function waitText(seconds: number): string {
  if (seconds > 3 * 3600) return t("feedback.tomorrow");
  if (seconds >= 60) return t("feedback.minutes", { n: Math.ceil(seconds / 60) });
  return t("feedback.seconds", { n: seconds });
}

/** The three kinds as buttons, one pressed at a time (praise first). */
function kindPicker(pick: (k: PublicFeedbackKind) => void): HTMLElement {
  const buttons = KINDS.map((k, i) =>
    h(
      "button",
      {
        type: "button",
        class: `fb-kind fb-kind-${k}`,
        "data-kind": k,
        "aria-pressed": i === 0 ? "true" : "false",
        onclick: () => {
          pick(k);
          for (const b of buttons) b.setAttribute("aria-pressed", String(b.dataset.kind === k));
        },
      },
      t(`feedback.kinds.${k}`),
    ),
  );
  return h("div", { class: "fb-kinds", role: "group", "aria-label": t("feedback.title") }, ...buttons);
}

export function feedbackForm(siteId: number): HTMLElement {
  let kind: PublicFeedbackKind = "praise";
  const status = h("p", {
    class: "fb-status",
    role: "status",
    "aria-live": "polite",
    "data-testid": "fb-status",
  });
  const kinds = kindPicker((k) => {
    kind = k;
  });
  const body = h("textarea", {
    name: "body",
    rows: "4",
    maxlength: String(bodyMax),
    placeholder: t("feedback.bodyPlaceholder"),
    "aria-label": t("feedback.body"),
  });
  const counter = h(
    "span",
    { class: "fb-counter", "data-testid": "fb-counter" },
    t("feedback.counter", { n: 0, max: bodyMax }),
  );
  body.addEventListener("input", () => {
    counter.textContent = t("feedback.counter", { n: body.value.length, max: bodyMax });
  });
  const contact = h("input", {
    name: "contact",
    type: "text",
    maxlength: String(contactMax),
    placeholder: t("feedback.contactPlaceholder"),
    "aria-label": t("feedback.contact"),
    autocomplete: "tel",
  });
  const submit = h("button", { type: "submit", class: "fb-submit" }, t("feedback.submit"));

  const show = (text: string, kindOf: "ok" | "error") => {
    status.textContent = text;
    status.className = `fb-status ${kindOf}`;
  };

  const form = h(
    "form",
    { class: "card feedback", novalidate: true, "data-testid": "feedback-form" },
    h("h2", {}, t("feedback.title")),
    h("p", { class: "muted" }, t("feedback.intro")),
    kinds,
    h("label", { class: "fb-label" }, t("feedback.body")),
    body,
    h("div", { class: "fb-row" }, counter),
    h("label", { class: "fb-label" }, t("feedback.contact")),
    contact,
    submit,
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = body.value.trim();
    if (text.length < bodyMin) return show(t("feedback.tooShort", { n: bodyMin }), "error");
    submit.disabled = true;
    submit.textContent = t("feedback.sending");
    try {
      const c = contact.value.trim();
      await publicApi.feedback(siteId, { kind, body: text, ...(c ? { contact: c } : {}) });
      body.value = "";
      contact.value = "";
      counter.textContent = t("feedback.counter", { n: 0, max: bodyMax });
      show(t("feedback.sent"), "ok");
    } catch (err) {
      if (err instanceof PublicApiError && err.status === 429)
        show(t("feedback.tooMany", { when: waitText(err.retryAfter ?? 60) }), "error");
      else show(t("feedback.failed", { message: (err as Error).message }), "error");
    } finally {
      submit.disabled = false;
      submit.textContent = t("feedback.submit");
    }
  });
  return form;
}
