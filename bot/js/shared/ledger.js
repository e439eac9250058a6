/*
 * Which transcript messages a page shows, and which of its own are not yet stored by the server.
 *
 * A message the page sends carries a fresh client_id and is drawn at once. The server answers `ack`
 * {client_id, id} and also delivers the stored message (with its client_id) to every socket of the
 * session, and a replay after a reconnect repeats what may already be on screen. The ledger turns
 * that into one answer per incoming message: already shown, the echo of our own, or new. Messages
 * not yet acknowledged are kept as frames and re-sent after a reconnect; the server ignores a
 * client_id it has already stored, so re-sending is safe.
 */

/** A message's transcript id as a string (ids may arrive as numbers or strings), or null. */
export function messageId(msg) {
  return msg && msg.id != null ? String(msg.id) : null;
}

export class MessageLedger {
  constructor() {
    this.shown = new Set(); // transcript ids on screen
    this.unsent = new Map(); // client_id -> frame not yet acknowledged, in send order
    this.own = new Map(); // client_id -> the element drawn for our message
  }

  /** Our message `frame` (with its client_id), drawn as `element`: kept until acknowledged. A retry calls it again. */
  expect(frame, element) {
    this.own.set(frame.client_id, element);
    this.unsent.set(frame.client_id, frame);
  }

  /**
   * Sorts an incoming message: {kind: 'seen'} (already on screen: drop it), {kind: 'own', element}
   * (the server's copy of one we drew and still show: confirm that element) or {kind: 'new'} (draw it).
   * `id` is the message's id; own and new ones are recorded as shown.
   */
  receive(msg) {
    const id = messageId(msg);
    if (id !== null && this.shown.has(id)) return { kind: 'seen', id };
    if (id !== null) this.shown.add(id);
    const element = msg.client_id ? this.own.get(msg.client_id) : undefined;
    if (element && element.isConnected !== false) {
      this.unsent.delete(msg.client_id);
      return { kind: 'own', id, element };
    }
    return { kind: 'new', id };
  }

  /** `ack`: the server stored our message `clientId` as `id`. Returns the element drawn for it, or null. */
  acknowledge(clientId, id) {
    this.unsent.delete(clientId);
    if (id != null) this.shown.add(String(id));
    return this.own.get(clientId) ?? null;
  }

  /** An error whose `ref` is one of our messages still waiting: it was not stored. Returns its element, or null. */
  refuse(ref) {
    if (!ref || !this.unsent.has(ref)) return null;
    this.unsent.delete(ref);
    return this.own.get(ref) ?? null;
  }

  /** The conversation ended: nothing still waiting can be delivered. Returns [clientId, element] of each drawn one. */
  abandon() {
    const lost = [...this.unsent.keys()].filter((clientId) => this.own.has(clientId))
      .map((clientId) => [clientId, this.own.get(clientId)]);
    this.unsent.clear();
    return lost;
  }

  /** Re-sends every waiting frame in send order through `send`, stopping at the first it refuses. */
  resend(send) {
    for (const frame of this.unsent.values()) {
      if (!send(frame)) break;
    }
  }

  /** The screen was cleared (another conversation, a new session): nothing is shown any more. */
  clearShown() {
    this.shown.clear();
    this.own.clear();
  }

  /** Forgets everything, waiting messages too (a new chat, a sign-out). */
  reset() {
    this.clearShown();
    this.unsent.clear();
  }
}
