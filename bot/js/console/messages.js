/*
 * How the agent console draws a transcript message: author (and "internal note"), time, delivery
 * status of the agent's own replies, the text, the article a bot answer came from, and which
 * suggested replies the customer was offered. All of it as text, except a bot answer's
 * server-rendered `html`, rebuilt through the widget's allow-list (safeRichText): the agent sees
 * the answer formatted as the customer did, never raw Markdown.
 */
import { deliveryMarks, formatTime, h, safeRichText } from '../shared/dom.js';

const ROLES = new Set(['customer', 'bot', 'agent', 'system']);

export const marks = deliveryMarks({ meta: '.msg-meta', status: 'msg-status', sentText: '' });

function labelFor(msg) {
  if (msg.role === 'customer') return 'Customer';
  if (msg.role === 'bot') return 'Bot';
  if (msg.role === 'agent') return msg.agent_name || 'Agent';
  return 'System';
}

// The agent only sees which options the customer was offered.
function renderOffered(buttons) {
  const offered = h('div', { class: 'msg-buttons' }, [h('span', { class: 'msg-buttons-label', text: 'Offered:' })]);
  for (const button of buttons) {
    if (button) offered.append(h('span', { class: 'chip', text: String(button.title ?? button.payload ?? '') }));
  }
  return offered;
}

// A bot answer as the customer saw it (its Markdown rendered by the server); anything else as text.
function messageText(role, msg) {
  if (role === 'bot' && typeof msg.html === 'string' && msg.html) {
    return h('div', { class: 'msg-text msg-text--rich' }, [safeRichText(msg.html)]);
  }
  return h('div', { class: 'msg-text', text: String(msg.text ?? '') });
}

/** The <li> for `msg` (a `message` frame, or the agent's own reply before it is sent). */
export function renderMessage(msg) {
  const role = ROLES.has(msg.role) ? msg.role : 'system';
  const item = h('li', {
    class: `msg msg--${role}${msg.internal ? ' msg--internal' : ''}`,
    'data-role': role,
    'data-id': msg.id != null ? String(msg.id) : null,
  });
  const label = msg.internal ? `${labelFor(msg)} · internal note` : labelFor(msg);
  item.append(
    h('div', { class: 'msg-meta' }, [
      h('span', { class: 'msg-author', text: label }),
      h('time', { datetime: msg.ts || null, text: formatTime(msg.ts) }),
    ]),
    messageText(role, msg),
  );
  if (msg.article && msg.article.title) {
    item.append(h('div', { class: 'msg-source', text: `From: ${msg.article.title}` }));
  }
  if (Array.isArray(msg.buttons) && msg.buttons.length > 0) item.append(renderOffered(msg.buttons));
  return item;
}
