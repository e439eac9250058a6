/*
 * The browser end of a Tandem WebSocket (docs/protocol.md), shared by the widget and the agent console.
 *
 * It owns the connection's life: open the socket, send the page's greeting (`hello` or `auth`) when it
 * opens, hand each incoming JSON object to the page, and after a close reconnect with exponential
 * backoff and jitter (so many pages do not reconnect in lockstep after a server restart) unless the
 * page says retrying cannot help. The page says when the server has accepted the greeting (`bound()`,
 * on `session` or `ready`): until then only the greeting goes out, and `send` refuses.
 *
 * Events of a socket that has since been replaced (a reconnect, a new chat, a sign-out) are ignored.
 */

export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 15000;
const OPEN = 1; // WebSocket.OPEN

/** The wait before reconnect attempt `retries` (0 first): doubling from `minMs` up to `maxMs`, then a random upper half of it. */
export function backoffDelay(retries, random = Math.random, { minMs = BACKOFF_MIN_MS, maxMs = BACKOFF_MAX_MS } = {}) {
  const base = Math.min(maxMs, minMs * 2 ** retries);
  return base / 2 + random() * (base / 2);
}

/** A text frame as an object; null for anything else, so a broken frame cannot break the page. */
export function parseFrame(data) {
  if (typeof data !== 'string') return null;
  try {
    const frame = JSON.parse(data);
    return frame && typeof frame === 'object' ? frame : null;
  } catch {
    return null;
  }
}

/**
 * An onFrame that hands each frame to `handlers[frame.type]`; other types are ignored, so a newer
 * server's frames cannot break the page.
 */
export function byType(handlers) {
  return (frame) => {
    const handle = Object.hasOwn(handlers, frame.type) ? handlers[frame.type] : null;
    if (handle) handle(frame);
  };
}

/** The WebSocket address of `path` on the server at `base` (a URL): wss for an https page, ws otherwise. */
export function socketUrl(base, path) {
  return `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}${path}`;
}

/**
 * One reconnecting socket. Options:
 * - url: the socket address;
 * - greeting(): the first frame, sent as soon as a socket opens;
 * - onFrame(frame): each incoming frame, parsed;
 * - onClosed(event): the socket closed; return true to reconnect after a backoff;
 * - onStatus(status): 'connecting', 'reconnecting' (a retry is opening) or 'waiting' (a retry is scheduled);
 * - wanted(): whether the page wants a connection now; coming back online then reconnects at once;
 * - WebSocket, random, backoff {minMs, maxMs}, onlineEvents: for tests (the browser's by default).
 */
export class ChatSocket {
  #options;
  #socket = null;
  #ready = false;
  #retries = 0;
  #timer = null;

  constructor({
    url, greeting, onFrame, onClosed = () => true, onStatus = () => {}, wanted = () => false,
    WebSocket = globalThis.WebSocket, random = Math.random, backoff = {}, onlineEvents = globalThis,
  }) {
    this.#options = { url, greeting, onFrame, onClosed, onStatus, wanted, WebSocket, random, backoff };
    // Coming back online is a strong hint: try right away instead of waiting for the backoff.
    if (onlineEvents && typeof onlineEvents.addEventListener === 'function') {
      onlineEvents.addEventListener('online', () => {
        if (!this.#socket && wanted()) this.reconnectNow();
      });
    }
  }

  /** True once the server accepted the greeting on the current socket. */
  get ready() {
    return this.#ready;
  }

  /** True while a socket exists (opening or open); false after a close and before the next attempt. */
  get active() {
    return this.#socket !== null;
  }

  /** Reconnect attempts since the last accepted greeting. */
  get retries() {
    return this.#retries;
  }

  connect() {
    clearTimeout(this.#timer);
    this.#ready = false;
    this.#options.onStatus(this.#retries === 0 ? 'connecting' : 'reconnecting');
    let socket;
    try {
      socket = new this.#options.WebSocket(this.#options.url);
    } catch {
      this.#retryLater();
      return;
    }
    this.#socket = socket;
    socket.addEventListener('open', () => {
      if (socket === this.#socket) this.sendRaw(this.#options.greeting());
    });
    socket.addEventListener('message', (event) => {
      if (socket !== this.#socket) return;
      const frame = parseFrame(event.data);
      if (frame) this.#options.onFrame(frame);
    });
    socket.addEventListener('close', (event) => {
      if (socket === this.#socket) this.#closed(event);
    });
  }

  /** A fresh start: forget the backoff and connect now (coming online, a new chat, a sign-in). */
  reconnectNow() {
    this.#retries = 0;
    this.connect();
  }

  /** The server accepted the greeting: other frames may go out, and the backoff starts over. */
  bound() {
    this.#ready = true;
    this.#retries = 0;
  }

  /** Closes the socket for good (no reconnect): detached first, so its close event is ignored. */
  disconnect(code = 1000, reason = '') {
    const old = this.#socket;
    this.#socket = null;
    this.#ready = false;
    clearTimeout(this.#timer);
    if (old) old.close(code, reason);
  }

  /** Sends `frame` if a socket is open, bound or not; false when it could not. */
  sendRaw(frame) {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends `frame` once the server accepted the greeting; false when it could not. */
  send(frame) {
    return this.#ready && this.sendRaw(frame);
  }

  #closed(event) {
    this.#socket = null;
    this.#ready = false;
    if (this.#options.onClosed(event) === true) this.#retryLater();
  }

  #retryLater() {
    const delay = backoffDelay(this.#retries, this.#options.random, this.#options.backoff);
    this.#retries += 1;
    this.#options.onStatus('waiting');
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.connect(), delay);
  }
}
