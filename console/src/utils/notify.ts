/**
 * Getting a duty officer's attention: a short beep made with the Web Audio API (no audio file) and a
 * browser notification. Browsers only let a page make sound after a user gesture, so the audio context is
 * created on the first click or key press; the notification permission is asked once, from a button.
 * Both switches are remembered in localStorage.
 */

const SOUND_KEY = "mingfang.alerts.sound";
const NOTIFY_KEY = "mingfang.alerts.notify";

type AudioCtor = typeof AudioContext;
let ctx: AudioContext | null = null;
let armed = false;

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export function soundEnabled(): boolean {
  return storage()?.getItem(SOUND_KEY) !== "off";
}
export function setSoundEnabled(on: boolean): void {
  storage()?.setItem(SOUND_KEY, on ? "on" : "off");
}

/** Create the audio context on the first user gesture (call once when the page mounts). */
export function armSound(): void {
  if (armed || typeof window === "undefined") return;
  armed = true;
  const unlock = () => {
    const Ctor: AudioCtor | undefined =
      window.AudioContext ?? (window as unknown as { webkitAudioContext?: AudioCtor }).webkitAudioContext;
    if (!ctx && Ctor) ctx = new Ctor();
    void ctx?.resume().catch(() => {});
    window.removeEventListener("pointerdown", unlock, true);
    window.removeEventListener("keydown", unlock, true);
  };
  window.addEventListener("pointerdown", unlock, true);
  window.addEventListener("keydown", unlock, true);
}

/** Two short tones; higher and three of them for a grade-1 alert. Silent before a user gesture. */
export function beep(urgent = false): boolean {
  if (!soundEnabled() || !ctx || ctx.state === "closed") return false;
  if (ctx.state !== "running") void ctx.resume().catch(() => {}); // just unlocked by this very gesture
  const tones = urgent ? [1320, 990, 1320] : [880, 660];
  const start = ctx.currentTime;
  tones.forEach((freq, i) => {
    const t0 = start + i * 0.18;
    const osc = ctx!.createOscillator();
    const gain = ctx!.createGain();
    osc.type = "sine";
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t0);
    gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.15);
    osc.connect(gain).connect(ctx!.destination);
    osc.start(t0);
    osc.stop(t0 + 0.16);
  });
  return true;
}

export type NotifyPermission = NotificationPermission | "unsupported";

export function notifyPermission(): NotifyPermission {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** Whether notifications are on: permission granted and not switched off by the user. */
export function notifyEnabled(): boolean {
  return notifyPermission() === "granted" && storage()?.getItem(NOTIFY_KEY) !== "off";
}
export function setNotifyEnabled(on: boolean): void {
  storage()?.setItem(NOTIFY_KEY, on ? "on" : "off");
}

/** Ask for the permission (from a button: browsers ignore requests without a gesture). */
export async function requestNotifyPermission(): Promise<NotifyPermission> {
  if (typeof Notification === "undefined") return "unsupported";
  const p =
    Notification.permission === "default" ? await Notification.requestPermission() : Notification.permission;
  if (p === "granted") setNotifyEnabled(true);
  return p;
}

/** Show a notification (one per tag: a repeat replaces the earlier one); clicking it focuses the tab. */
export function showNotification(title: string, body: string, tag: string, onClick?: () => void): boolean {
  if (!notifyEnabled()) return false;
  try {
    const n = new Notification(title, { body, tag, lang: "zh-CN" });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
    return true;
  } catch {
    return false; // some platforms only allow notifications from a service worker
  }
}
