/*
 * Telling the agent about the console's `notify` frames (docs/protocol.md) when they may not be
 * looking: a short tone (WebAudio, no sound file), a desktop notification (the browser's
 * Notification, with the agent's permission) and a count in the tab title. The frame says what
 * happened: a chat was assigned to the agent, a customer wrote in a chat they hold, or a chat is
 * waiting in a queue.
 *
 * Each way can be switched off, and waiting chats can be left out; the choices are kept per agent
 * in this browser (localStorage, `tandem.notify.<agent id>`), so two agents sharing a computer keep
 * their own. Notification texts are fixed words: nothing a customer typed reaches the desktop.
 */

const STORAGE_PREFIX = 'tandem.notify.';
export const DEFAULT_SETTINGS = Object.freeze({ sound: true, desktop: true, title: true, waiting: true });
const SOUND_GAP_MS = 1500; // one tone for a burst (an assignment often comes with its waiting chat)
const TONE = { frequency: 880, peak: 0.2, seconds: 0.25 };
const TEXTS = {
  assigned: 'A chat was assigned to you',
  message: 'A customer wrote in one of your chats',
  waiting: 'A chat is waiting',
};

/** The agent's choices from `store` (localStorage, or null when storage is unavailable). */
export function loadSettings(store, agentId) {
  try {
    const saved = JSON.parse(store?.getItem(STORAGE_PREFIX + agentId) ?? 'null');
    if (saved && typeof saved === 'object') {
      const kept = Object.keys(DEFAULT_SETTINGS).filter((key) => typeof saved[key] === 'boolean');
      return { ...DEFAULT_SETTINGS, ...Object.fromEntries(kept.map((key) => [key, saved[key]])) };
    }
  } catch {
    // unreadable or blocked storage: the defaults
  }
  return { ...DEFAULT_SETTINGS };
}

export function saveSettings(store, agentId, settings) {
  try {
    store?.setItem(STORAGE_PREFIX + agentId, JSON.stringify(settings));
  } catch {
    // storage full or blocked: the choice lasts until the page is reloaded
  }
}

/** The tab title with the number of notifications not yet seen in front, as mail clients do. */
export function titleWithCount(base, count) {
  return count > 0 ? `(${count}) ${base}` : base;
}

/** What a desktop notification says about a `notify` frame. */
export function describe(frame) {
  const text = TEXTS[frame.kind] || 'Something needs your attention';
  return frame.queue ? `${text} (${frame.queue} queue)` : text;
}

/** A short sine tone, fading in and out; the AudioContext is made on first use and resumed if suspended. */
class Tone {
  constructor() {
    this.context = null;
  }

  // Browsers start audio only after a user gesture: call this from one (signing in, a click).
  unlock() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return null;
    this.context ??= new Context();
    if (this.context.state === 'suspended') this.context.resume().catch(() => {});
    return this.context;
  }

  play() {
    const context = this.unlock();
    if (!context) return false;
    const start = context.currentTime;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = TONE.frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(TONE.peak, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + TONE.seconds);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + TONE.seconds + 0.05);
    return true;
  }
}

/**
 * Notifies one signed-in agent. `controls`: the settings checkboxes {sound, desktop, title, waiting}
 * and `permission` (a hint with an "Allow" button, shown while the browser has not allowed
 * notifications); `onOpen(sessionId)`: a desktop notification was clicked.
 */
export class Notifier {
  constructor({ store, controls, onOpen, now = () => Date.now() }) {
    this.store = store;
    this.controls = controls;
    this.onOpen = onOpen;
    this.now = now;
    this.agentId = null;
    this.settings = { ...DEFAULT_SETTINGS };
    this.count = 0;
    this.baseTitle = document.title;
    this.lastSound = -Infinity;
    this.tone = new Tone();
    for (const key of Object.keys(DEFAULT_SETTINGS)) {
      controls[key].addEventListener('change', () => this.choose(key, controls[key].checked));
    }
    controls.allow.addEventListener('click', () => this.askPermission());
    const seen = () => this.clearCount();
    window.addEventListener('focus', seen);
    document.addEventListener('visibilitychange', () => { if (!document.hidden) seen(); });
    for (const type of ['pointerdown', 'keydown']) {
      document.addEventListener(type, () => { this.tone.unlock(); seen(); }, { capture: true });
    }
  }

  /** The agent signed in (or reconnected): their choices. */
  setAgent(agentId) {
    this.agentId = String(agentId);
    this.settings = loadSettings(this.store, this.agentId);
    this.render();
  }

  /** Signed out: forget the agent and the count. */
  reset() {
    this.agentId = null;
    this.settings = { ...DEFAULT_SETTINGS };
    this.clearCount();
    this.render();
  }

  choose(key, on) {
    this.settings = { ...this.settings, [key]: Boolean(on) };
    if (this.agentId) saveSettings(this.store, this.agentId, this.settings);
    if (key === 'desktop' && on) this.askPermission();
    if (key === 'title' && !on) this.clearCount();
    this.render();
  }

  askPermission() {
    if (!('Notification' in window) || window.Notification.permission !== 'default') return;
    window.Notification.requestPermission().then(() => this.render(), () => this.render());
  }

  render() {
    for (const key of Object.keys(DEFAULT_SETTINGS)) this.controls[key].checked = this.settings[key];
    const supported = 'Notification' in window;
    const permission = supported ? window.Notification.permission : 'unsupported';
    this.controls.permission.hidden = !this.settings.desktop || permission === 'granted';
    this.controls.permissionText.textContent = permission === 'denied'
      ? 'This browser blocks notifications from this site; allow them in its site settings.'
      : permission === 'unsupported' ? 'This browser cannot show desktop notifications.'
        : 'Desktop notifications need your permission.';
    this.controls.allow.hidden = permission !== 'default';
  }

  /**
   * One `notify` frame. `looking`: the agent has this very conversation open in a focused page,
   * so a customer's message there needs no alert. Returns the ways used, for the page's record.
   */
  notify(frame, { looking = false } = {}) {
    if (!this.agentId || !TEXTS[frame.kind]) return [];
    if (frame.kind === 'waiting' && !this.settings.waiting) return [];
    if (frame.kind === 'message' && looking) return [];
    const used = [];
    if (this.settings.title) {
      this.count += 1;
      document.title = titleWithCount(this.baseTitle, this.count);
      used.push('title');
    }
    if (this.settings.sound && this.now() - this.lastSound >= SOUND_GAP_MS && this.tone.play()) {
      this.lastSound = this.now();
      used.push('sound');
    }
    if (this.settings.desktop && this.showDesktop(frame)) used.push('desktop');
    return used;
  }

  showDesktop(frame) {
    if (!('Notification' in window) || window.Notification.permission !== 'granted') return false;
    try {
      const note = new window.Notification('Tandem', { body: describe(frame), tag: `tandem-${frame.kind}-${frame.session_id}` });
      note.onclick = () => {
        window.focus();
        this.onOpen(String(frame.session_id));
        note.close();
      };
      return true;
    } catch {
      return false; // e.g. a browser that only notifies from a service worker
    }
  }

  clearCount() {
    if (this.count === 0) return;
    this.count = 0;
    document.title = this.baseTitle;
  }
}
