// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from "vitest";
import { feedbackForm } from "./feedback";
import { setLang } from "./i18n";

const settle = () => new Promise((r) => setTimeout(r, 0));

function mount() {
  const form = feedbackForm(7);
  document.body.replaceChildren(form);
  const q = <T extends Element>(sel: string) => form.querySelector(sel) as T;
  return {
    form,
    body: q<HTMLTextAreaElement>("textarea"),
    contact: q<HTMLInputElement>('input[name="contact"]'),
    counter: q<HTMLElement>('[data-testid="fb-counter"]'),
    status: q<HTMLElement>('[data-testid="fb-status"]'),
    kind: (k: string) => q<HTMLButtonElement>(`[data-kind="${k}"]`),
    submit: async () => {
      form.dispatchEvent(new Event("submit", { cancelable: true }));
      for (let i = 0; i < 5; i++) await settle();
    },
  };
}

function type(el: HTMLTextAreaElement, text: string) {
  el.value = text;
  el.dispatchEvent(new Event("input"));
}

afterEach(() => {
  vi.unstubAllGlobals();
  setLang("zh-CN");
});

describe("the public feedback form", () => {
  it("counts characters, refuses a too-short message without sending, sends kind, body and contact", async () => {
    const fetch = vi.fn(
      async () => new Response(JSON.stringify({ received: true, at: "x" }), { status: 201 }),
    );
    vi.stubGlobal("fetch", fetch);
    const f = mount();
    type(f.body, "好");
    expect(f.counter.textContent).toBe("1/500");
    await f.submit();
    expect(fetch).not.toHaveBeenCalled();
    expect(f.status.textContent).toBe("留言至少 5 个字");
    f.kind("complaint").click();
    expect(f.kind("complaint").getAttribute("aria-pressed")).toBe("true");
    expect(f.kind("praise").getAttribute("aria-pressed")).toBe("false");
    type(f.body, "  后厨地面有积水，很滑  ");
    f.contact.value = "13900000000";
    await f.submit();
    expect(fetch).toHaveBeenCalledOnce();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/public/sites/7/feedback");
    expect(JSON.parse(String(init.body))).toEqual({
      kind: "complaint",
      body: "后厨地面有积水，很滑",
      contact: "13900000000",
    });
    expect(f.status.className).toContain("ok");
    expect(f.body.value).toBe("");
    expect(f.counter.textContent).toBe("0/500");
  });

  it("says when to try again after a 429, from retry-after, in the chosen language", async () => {
    const tooMany = (seconds: number) =>
      new Response(JSON.stringify({ error: "too_many_requests", message: "Too many" }), {
        status: 429,
        headers: { "retry-after": String(seconds) },
      });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => tooMany(120)),
    );
    const f = mount();
    type(f.body, "这是第四条留言");
    await f.submit();
    expect(f.status.className).toContain("error");
    expect(f.status.textContent).toBe("提交过于频繁，请2 分钟后再试");
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => tooMany(50_000)),
    );
    setLang("en");
    const g = mount();
    type(g.body, "A fourth message");
    await g.submit();
    expect(g.status.textContent).toBe("Too many messages; please try again tomorrow");
  });

  it("shows the server's message for other errors", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        async () =>
          new Response(JSON.stringify({ error: "not_found", message: "site not found" }), { status: 404 }),
      ),
    );
    const f = mount();
    type(f.body, "这家店在哪里？");
    await f.submit();
    expect(f.status.textContent).toBe("提交失败：site not found");
  });
});
