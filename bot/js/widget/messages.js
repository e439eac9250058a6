/*
 * How the widget draws a transcript message: the sender's label, the text (a bot answer's `html`
 * through the allow-list of safeRichText), the article it came from, suggested replies, the time and,
 * for the customer's own messages, the delivery status.
 */
import { deliveryMarks, formatTime, h, safeRichText } from '../shared/dom.js';

export const BOT_LABEL = 'Lumen assistant';
const ROLES = new Set(['customer', 'bot', 'agent', 'system']);

export const marks = deliveryMarks({ meta: '.tandem-msg__meta', status: 'tandem-msg__status', sentText: 'Sent' });

function labelFor(msg) {
  if (msg.role === 'bot') return BOT_LABEL;
  if (msg.role === 'agent') return msg.agent_name || 'Support agent';
  if (msg.role === 'system') return 'System';
  return 'You';
}

function renderText(role, msg) {
  if (role === 'bot' && typeof msg.html === 'string' && msg.html) {
    return h('div', { class: 'tandem-msg__text tandem-msg__text--rich' }, [safeRichText(msg.html)]);
  }
  return h('div', { class: 'tandem-msg__text', text: String(msg.text ?? '') });
}

// A choice is a one-off answer: `choose(payload)` says whether it was sent; then the group is
// disabled and the chosen option stays highlighted.
function renderButtons(buttons, choose) {
  const group = h('div', { class: 'tandem-msg__buttons', role: 'group', 'aria-label': 'Suggested replies' });
  for (const button of buttons) {
    if (!button || typeof button.payload !== 'string') continue;
    group.append(h('button', {
      type: 'button', class: 'tandem-choice', text: String(button.title ?? button.payload),
      onclick: (event) => {
        const chosen = event.currentTarget;
        if (!choose(button.payload)) return;
        for (const other of group.querySelectorAll('button')) other.disabled = true;
        chosen.classList.add('is-chosen');
        chosen.setAttribute('aria-pressed', 'true');
      },
    }));
  }
  return group;
}

/** The <li> for `msg` (a `message` frame, or our own message before it is sent); `choose` sends a suggested reply. */
export function renderMessage(msg, { choose = () => false } = {}) {
  const role = ROLES.has(msg.role) ? msg.role : 'system';
  const item = h('li', {
    class: `tandem-msg tandem-msg--${role}`,
    'data-role': role,
    'data-id': msg.id != null ? String(msg.id) : null,
  });
  if (role !== 'customer') item.append(h('div', { class: 'tandem-msg__label', text: labelFor(msg) }));
  item.append(renderText(role, msg));
  if (msg.article && msg.article.title) {
    item.append(h('div', { class: 'tandem-msg__source', text: `From: ${msg.article.title}` }));
  }
  if (Array.isArray(msg.buttons) && msg.buttons.length > 0) item.append(renderButtons(msg.buttons, choose));
  item.append(h('div', { class: 'tandem-msg__meta' }, [
    h('time', { datetime: msg.ts || null, text: formatTime(msg.ts || new Date().toISOString()) }),
  ]));
  return item;
}
