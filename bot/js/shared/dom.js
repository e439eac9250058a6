/*
 * Building page elements from data without markup: text always goes through textContent, so nothing
 * the server or a person typed can become HTML. The one rich case, a bot answer's server-rendered
 * `html`, is rebuilt element by element from an allow-list (safeRichText); nothing uses innerHTML.
 */

/**
 * Builds an element. `text` goes through textContent, `class` sets the class name, `on<event>` adds a
 * listener, anything else is an attribute (true: present, false or null: left out); string children
 * become text nodes.
 */
export function h(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === false || value == null) continue;
    if (key === 'text') node.textContent = value;
    else if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

// Formatting a bot answer may use, and the only attributes kept (a link's web or mail address, a list's start).
const RICH_TAGS = new Set(['P', 'BR', 'STRONG', 'EM', 'CODE', 'PRE', 'UL', 'OL', 'LI', 'BLOCKQUOTE',
  'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'HR', 'A']);
const SAFE_HREF = /^(https?:|mailto:)/i;
const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

function richCopy(source) {
  const out = document.createDocumentFragment();
  for (const node of source.childNodes) {
    if (node.nodeType === TEXT_NODE) {
      out.append(document.createTextNode(node.textContent));
    } else if (node.nodeType === ELEMENT_NODE && RICH_TAGS.has(node.tagName)) {
      out.append(richElement(node));
    }
  }
  return out;
}

function richElement(node) {
  const element = document.createElement(node.tagName.toLowerCase());
  const href = node.getAttribute('href');
  if (node.tagName === 'A' && href && SAFE_HREF.test(href)) {
    element.setAttribute('href', href);
    element.setAttribute('target', '_blank');
    element.setAttribute('rel', 'noopener noreferrer nofollow');
  }
  if (node.tagName === 'OL' && /^\d+$/.test(node.getAttribute('start') || '')) {
    element.setAttribute('start', node.getAttribute('start'));
  }
  element.append(richCopy(node));
  return element;
}

/**
 * A fragment rebuilt from `html` with fresh elements: allowed tags keep their children, other
 * elements are dropped with their content, text stays text. Parsing happens in an inert document
 * (DOMParser), so nothing in `html` runs or loads, and even a tampered frame cannot add scripts,
 * handlers, styles or images.
 */
export function safeRichText(html) {
  return richCopy(new DOMParser().parseFromString(html, 'text/html').body);
}

/** Hours and minutes of an ISO 8601 time in the reader's locale; '' when `ts` is missing or invalid. */
export function formatTime(ts) {
  const date = new Date(ts);
  if (!ts || Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/**
 * A random UUID for a frame's client_id. crypto.randomUUID only exists in secure contexts (https,
 * localhost); the demo may well be opened over plain http on a LAN address.
 */
export function newClientId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * How a page marks its own messages while they are delivered: pending ('is-pending'), sent (the
 * transcript id recorded as data-id) or failed ('is-failed'), with a status line in the message's
 * meta row. `meta` is that row's selector, `status` the status line's class, `sentText` what it says once sent.
 */
export function deliveryMarks({ meta, status, sentText }) {
  function setStatus(item, text) {
    let line = item.querySelector(`.${status}`);
    if (!line) {
      line = h('span', { class: status });
      item.querySelector(meta).append(line);
    }
    line.textContent = text;
    return line;
  }
  return {
    setStatus,
    pending(item, text) {
      item.classList.remove('is-failed');
      item.classList.add('is-pending');
      return setStatus(item, text);
    },
    sent(item, id) {
      item.classList.remove('is-pending', 'is-failed');
      if (id != null) item.dataset.id = String(id);
      setStatus(item, sentText);
    },
    failed(item) {
      item.classList.remove('is-pending');
      item.classList.add('is-failed');
      return setStatus(item, 'Not sent');
    },
  };
}

/** A keydown handler for a message box: Enter sends `form`, Shift+Enter adds a line break (as in most chat apps). */
export function submitOnEnter(form) {
  return (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  };
}
