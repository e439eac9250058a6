/*
 * Typing indicators, both ways (the `typing` frame of docs/protocol.md).
 *
 * Ours: one "on" when typing starts, refreshed every few seconds while it goes on (so the other
 * side's indicator does not time out), and one "off" after a pause, on send or on blur.
 * Theirs: shown on "on", hidden on "off" or after a while without news, since an "off" can get lost.
 */

export const TYPING_IDLE_MS = 3000; // send "off" after this much silence
export const TYPING_REFRESH_MS = 5000; // re-send "on" this often while typing goes on

/** Our indicator. `sendTyping(on)` sends the frame and says whether it went out. */
export class TypingSignal {
  #sendTyping;
  #on = false;
  #sentAt = 0;
  #timer = null;

  constructor(sendTyping) {
    this.#sendTyping = sendTyping;
  }

  /** The person typed something. */
  typed() {
    const now = Date.now();
    if ((!this.#on || now - this.#sentAt > TYPING_REFRESH_MS) && this.#sendTyping(true)) {
      this.#on = true;
      this.#sentAt = now;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** Typing stopped (a pause, the message was sent, the box lost focus): "off", once. */
  stop() {
    clearTimeout(this.#timer);
    if (!this.#on) return;
    this.#on = false;
    this.#sendTyping(false);
  }
}

/** The other side's indicator: `show(frame)` on "on", `hide()` on "off", or by itself after `timeoutMs`. */
export class RemoteTyping {
  #show;
  #hide;
  #timeoutMs;
  #timer = null;

  constructor({ show, hide, timeoutMs }) {
    this.#show = show;
    this.#hide = hide;
    this.#timeoutMs = timeoutMs;
  }

  /** A `typing` frame from the other side. */
  update(frame) {
    if (!frame.on) {
      this.hide();
      return;
    }
    this.#show(frame);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.hide(), this.#timeoutMs);
  }

  hide() {
    clearTimeout(this.#timer);
    this.#hide();
  }
}
