// What the widget and the console put on the page, in a jsdom page: text stays text, a bot answer's
// html keeps only the allowed formatting, suggested replies and delivery marks behave.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { renderMessage as renderConsoleMessage, marks as consoleMarks } from '../console/messages.js';
import { deliveryMarks, formatTime, h, newClientId, safeRichText } from '../shared/dom.js';
import { marks as widgetMarks, renderMessage as renderWidgetMessage } from '../widget/messages.js';
import { installPage } from './support.js';

let window;
beforeEach(() => {
  window = installPage();
});

const html = (node) => {
  const box = document.createElement('div');
  box.append(node);
  return box.innerHTML;
};

describe('safeRichText', () => {
  test('drops scripts, handlers, styles, images and unsafe links', () => {
    const rebuilt = html(safeRichText(
      '<p onclick="window.pwned=1">ok <img src=x onerror="window.pwned=2"><script>window.pwned=3</script>'
      + '<a href="javascript:window.pwned=4">x</a><a href="https://lumen.example/">y</a></p><style>*{}</style>'));
    assert.equal(rebuilt, '<p>ok <a>x</a><a href="https://lumen.example/" target="_blank" '
      + 'rel="noopener noreferrer nofollow">y</a></p>');
    assert.equal(window.pwned, undefined);
  });

  test('keeps the formatting an article uses: lists with their start, emphasis, code, mail links', () => {
    const rebuilt = html(safeRichText(
      '<ol start="3" type="a"><li><strong>Hold</strong> <em>10 s</em></li></ol><pre><code>reset</code></pre>'
      + '<p><a href="MAILTO:help@lumen.example" class="x">mail</a><br></p><ol start="1; x"><li>n</li></ol>'));
    assert.equal(rebuilt, '<ol start="3"><li><strong>Hold</strong> <em>10 s</em></li></ol><pre><code>reset</code></pre>'
      + '<p><a href="MAILTO:help@lumen.example" target="_blank" rel="noopener noreferrer nofollow">mail</a><br></p>'
      + '<ol><li>n</li></ol>');
  });

  test('drops a forbidden element with everything inside it, and keeps escaped text as text', () => {
    assert.equal(html(safeRichText('<div><p>hidden</p></div><p>&lt;b&gt;shown&lt;/b&gt;</p>')), '<p>&lt;b&gt;shown&lt;/b&gt;</p>');
  });
});

describe('h', () => {
  test('text never becomes markup, and string children are text nodes', () => {
    const node = h('p', { text: '<b>x</b>' });
    assert.equal(node.children.length, 0);
    assert.equal(node.textContent, '<b>x</b>');
    assert.equal(html(h('div', {}, ['<i>y</i>', null])), '<div>&lt;i&gt;y&lt;/i&gt;</div>');
  });

  test('attributes: true is present, false and null are left out; on<event> adds a listener', () => {
    let clicks = 0;
    const node = h('button', { class: 'a b', hidden: true, disabled: false, title: null, 'data-n': 3, onclick: () => clicks++ });
    assert.equal(html(node), '<button class="a b" hidden="" data-n="3"></button>');
    node.dispatchEvent(new window.Event('click'));
    assert.equal(clicks, 1);
  });
});

test('formatTime is empty for a missing or invalid time', () => {
  assert.equal(formatTime(null), '');
  assert.equal(formatTime('not a time'), '');
  assert.match(formatTime('2026-12-03T14:05:00Z'), /\d/);
});

test('newClientId gives distinct version-4 UUIDs', () => {
  const ids = new Set(Array.from({ length: 50 }, newClientId));
  assert.equal(ids.size, 50);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

describe('the widget\'s messages', () => {
  test('a customer\'s markup is shown as text, without a sender label', () => {
    const item = renderWidgetMessage({ id: 5, role: 'customer', text: 'I need <b>help</b>', ts: '2026-12-03T14:05:00Z' });
    assert.equal(item.dataset.id, '5');
    assert.equal(item.querySelector('.tandem-msg__label'), null);
    assert.equal(item.querySelector('.tandem-msg__text').textContent, 'I need <b>help</b>');
    assert.equal(item.querySelector('b'), null);
  });

  test('a bot answer shows its html through the allow-list, names its article, and offers choices', () => {
    const chosen = [];
    const item = renderWidgetMessage({
      role: 'bot', text: '**Hold** it', html: '<p><strong>Hold</strong> it<script>x()</script></p>',
      article: { id: 1, title: 'Factory reset' }, buttons: [{ title: 'Hub', payload: '/hub' }, { title: 'x' }, { payload: '/strip' }],
    }, { choose: (payload) => { chosen.push(payload); return chosen.length > 1; } });
    assert.equal(item.querySelector('.tandem-msg__label').textContent, 'Lumen assistant');
    assert.equal(item.querySelector('.tandem-msg__text--rich').innerHTML, '<p><strong>Hold</strong> it</p>');
    assert.equal(item.querySelector('script'), null);
    assert.equal(item.querySelector('.tandem-msg__source').textContent, 'From: Factory reset');
    const buttons = [...item.querySelectorAll('.tandem-choice')];
    assert.deepEqual(buttons.map((b) => b.textContent), ['Hub', '/strip'], 'a button without a payload is left out');
    buttons[0].click(); // not sent (offline): nothing is disabled
    assert.equal(buttons[1].disabled, false);
    buttons[0].click();
    assert.deepEqual(chosen, ['/hub', '/hub']);
    assert.ok(buttons.every((b) => b.disabled));
    assert.ok(buttons[0].classList.contains('is-chosen'));
  });

  test('an unknown role is shown as a system message; an agent is named', () => {
    assert.equal(renderWidgetMessage({ role: 'root', text: 'x' }).dataset.role, 'system');
    const agent = renderWidgetMessage({ role: 'agent', agent_name: 'Blair', text: 'hi' });
    assert.equal(agent.querySelector('.tandem-msg__label').textContent, 'Blair');
  });

  test('delivery marks: sending, sent with its transcript id, failed', () => {
    const item = renderWidgetMessage({ role: 'customer', text: 'hi' });
    widgetMarks.pending(item, 'Sending…');
    assert.ok(item.classList.contains('is-pending'));
    widgetMarks.sent(item, 12);
    assert.equal(item.dataset.id, '12');
    assert.equal(item.querySelector('.tandem-msg__status').textContent, 'Sent');
    assert.ok(!item.classList.contains('is-pending'));
    widgetMarks.failed(item);
    assert.ok(item.classList.contains('is-failed'));
    assert.equal(item.querySelectorAll('.tandem-msg__status').length, 1, 'one status line');
  });
});

describe('the console\'s messages', () => {
  test('an internal note says so, and a customer\'s markup is text', () => {
    const note = renderConsoleMessage({ role: 'agent', agent_name: 'Blair', text: 'VIP <i>x</i>', internal: true });
    assert.ok(note.classList.contains('msg--internal'));
    assert.equal(note.querySelector('.msg-author').textContent, 'Blair · internal note');
    assert.equal(note.querySelector('.msg-text').textContent, 'VIP <i>x</i>');
    assert.equal(note.querySelector('i'), null);
  });

  test('a bot answer shows its html through the allow-list, as the widget does, and which choices were offered', () => {
    const item = renderConsoleMessage({
      role: 'bot', text: '**Firmware** first', html: '<p><strong>Firmware</strong> first<img src=x onerror="window.pwned=1"></p>',
      buttons: [{ title: 'Hub' }, null, { payload: '/s' }],
    });
    assert.equal(html(item.querySelector('.msg-text')), '<div class="msg-text msg-text--rich"><p><strong>Firmware</strong> first</p></div>');
    assert.equal(item.querySelector('img'), null);
    assert.equal(window.pwned, undefined);
    assert.deepEqual([...item.querySelectorAll('.chip')].map((c) => c.textContent), ['Hub', '/s']);
  });

  test('only the bot\'s html is shown as formatting: a customer\'s or agent\'s stays text', () => {
    const item = renderConsoleMessage({ role: 'customer', text: '**hi**', html: '<p><strong>hi</strong></p>' });
    assert.equal(item.querySelector('.msg-text').textContent, '**hi**');
    assert.equal(item.querySelector('strong'), null);
  });

  test('a sent reply has no status text left', () => {
    const item = renderConsoleMessage({ role: 'agent', text: 'hi' });
    consoleMarks.pending(item, 'Waiting for connection…');
    consoleMarks.sent(item, '3');
    assert.equal(item.querySelector('.msg-status').textContent, '');
    assert.equal(item.dataset.id, '3');
  });
});

test('deliveryMarks adds the status line where the page asks', () => {
  const marks = deliveryMarks({ meta: '.meta', status: 'state', sentText: 'ok' });
  const item = h('li', {}, [h('div', { class: 'meta' })]);
  marks.sent(item, null);
  assert.equal(html(item), '<li><div class="meta"><span class="state">ok</span></div></li>');
});
