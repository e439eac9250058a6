/*
 * Canned responses in the reply box: typing `/` and the start of a shortcut lists the matching responses
 * (Up/Down to choose, Enter or Tab to insert, Escape to close); the "Canned replies…" menu inserts one
 * too. The server fills the placeholders for the open conversation
 * (GET /api/handoff/sessions/{id}/canned/{shortcut}), so `{customer_first_name}` and `{agent_name}` are
 * filled by the same rules everywhere. Everything shown is text.
 */
import { h } from '../shared/dom.js';

const MAX_MATCHES = 8;
const PREVIEW_CHARS = 60;
const TOKEN = /(^|\s)\/([a-z0-9_-]*)$/i; // a `/shortcut` being typed just before the caret

const preview = (text) => (text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text);

/**
 * `ui`: {input, menu, select, wrap}; `api(path)`: the JSON answer or null; `sessionId()`: the open
 * conversation; `canInsert()`: whether the agent may reply now; `insert(text, range)`: puts text into
 * the reply box (replacing `range` {start, end} if given); `onLoaded(responses)`: the list changed.
 */
export function createCanned({ ui, api, sessionId, canInsert, insert, onLoaded = () => {} }) {
  let responses = [];
  let matches = [];
  let active = 0;

  async function load() {
    const body = await api('/api/handoff/canned');
    if (!Array.isArray(body)) return;
    responses = body.filter((r) => r && typeof r.shortcut === 'string' && typeof r.text === 'string');
    renderSelect();
    onLoaded(responses);
  }

  function renderSelect() {
    const options = [h('option', { value: '', text: 'Canned replies…' })];
    for (const r of responses) {
      options.push(h('option', { value: r.shortcut, text: `/${r.shortcut} — ${preview(r.text)}`, title: r.text }));
    }
    ui.select.replaceChildren(...options);
    ui.wrap.hidden = responses.length === 0;
  }

  // The `/shortcut` being typed, as {start, end, prefix}; null when the caret is not just after one.
  function pendingToken() {
    const { selectionStart: caret, selectionEnd: end, value } = ui.input;
    if (caret !== end) return null;
    const match = TOKEN.exec(value.slice(0, caret));
    return match ? { start: caret - match[2].length - 1, end: caret, prefix: match[2].toLowerCase() } : null;
  }

  function onInput() {
    const token = pendingToken();
    matches = token && canInsert() ? responses.filter((r) => r.shortcut.startsWith(token.prefix)).slice(0, MAX_MATCHES) : [];
    active = 0;
    renderMenu();
  }

  function renderMenu() {
    ui.menu.replaceChildren(...matches.map((r, index) => h('li', {
      id: `shortcut-option-${index}`, class: `shortcut-option${index === active ? ' is-active' : ''}`,
      role: 'option', 'aria-selected': index === active ? 'true' : 'false', 'data-shortcut': r.shortcut,
      onmousedown: (event) => event.preventDefault(), // keep the focus (and the caret) in the reply box
      onclick: () => choose(r.shortcut),
    }, [h('span', { class: 'shortcut-name', text: `/${r.shortcut}` }), h('span', { class: 'shortcut-text', text: preview(r.text) })])));
    ui.menu.hidden = matches.length === 0;
    if (matches.length) ui.input.setAttribute('aria-activedescendant', `shortcut-option-${active}`);
    else ui.input.removeAttribute('aria-activedescendant');
  }

  function close() {
    matches = [];
    renderMenu();
  }

  // Runs before the reply box's own keys (capture): Enter picks a response instead of sending.
  function onKeyDown(event) {
    if (ui.menu.hidden || matches.length === 0) return;
    const keys = {
      ArrowDown: () => { active = (active + 1) % matches.length; renderMenu(); },
      ArrowUp: () => { active = (active - 1 + matches.length) % matches.length; renderMenu(); },
      Enter: () => choose(matches[active].shortcut),
      Tab: () => choose(matches[active].shortcut),
      Escape: close,
    };
    if (!keys[event.key] || event.isComposing) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    keys[event.key]();
  }

  function choose(shortcut) {
    const token = pendingToken();
    close();
    fetchAndInsert(shortcut, token);
  }

  async function fetchAndInsert(shortcut, token) {
    const id = sessionId();
    if (!id || !canInsert()) return;
    const body = await api(`/api/handoff/sessions/${encodeURIComponent(id)}/canned/${encodeURIComponent(shortcut)}`);
    if (!body || typeof body.text !== 'string' || id !== sessionId() || !canInsert()) return;
    // The agent may have typed on meanwhile: replace the `/shortcut` only if it is still there.
    const current = pendingToken();
    insert(body.text, token && current && current.start === token.start ? { start: current.start, end: current.end } : null);
  }

  function onSelectChange() {
    const shortcut = ui.select.value;
    ui.select.value = '';
    if (shortcut) fetchAndInsert(shortcut, null);
  }

  ui.input.addEventListener('input', onInput);
  ui.input.addEventListener('keydown', onKeyDown, true);
  ui.input.addEventListener('blur', close);
  ui.input.addEventListener('click', onInput);
  ui.select.addEventListener('change', onSelectChange);

  return { load, close, reset: () => { responses = []; renderSelect(); close(); onLoaded([]); } };
}
