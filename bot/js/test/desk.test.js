// The console's desk modules in a jsdom page: suggested answers, the /shortcut menu and labels show
// what the server sent as text, and put the right thing into the reply box.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { createCanned } from '../console/canned.js';
import { createLabels } from '../console/labels.js';
import { createSuggestions } from '../console/suggestions.js';
import { installPage, waitFor } from './support.js';

const HOSTILE = '<img src=x onerror="window.pwned=1">';

let window;
beforeEach(() => {
  window = installPage();
});

const el = (tag, props = {}) => Object.assign(document.body.appendChild(document.createElement(tag)), props);

describe('suggested answers', () => {
  test('show titles and answers as text; Use inserts the answer and the reply carries the article once', async () => {
    const ui = { panel: el('section', { hidden: true }), list: el('ol'), question: el('span') };
    const inserted = [];
    const suggestions = createSuggestions({
      ui, canInsert: () => true, insert: (text) => inserted.push(text),
      api: async () => ({ question: HOSTILE, articles: [{ id: 'hub-reset', title: HOSTILE, score: 0.734, answer: 'Hold 10 s.' }] }),
    });
    suggestions.show('s1');
    await waitFor(() => !ui.panel.hidden, 'the suggestions');
    assert.equal(ui.list.querySelector('img'), null);
    assert.equal(ui.list.querySelector('.suggestion-title').textContent, HOSTILE);
    assert.equal(ui.list.querySelector('.suggestion-score').textContent, '73');
    ui.list.querySelector('.suggestion-use').click();
    assert.deepEqual(inserted, ['Hold 10 s.']);
    assert.equal(suggestions.takeArticle('s1', true), null); // an internal note records no article
    ui.list.querySelector('.suggestion-use').click();
    assert.equal(suggestions.takeArticle('s1', false), 'hub-reset');
    assert.equal(suggestions.takeArticle('s1', false), null);
    assert.equal(window.pwned, undefined);
  });
});

describe('the /shortcut menu', () => {
  test('lists matching responses as text and Enter inserts the filled one in place of the shortcut', async () => {
    const input = el('textarea');
    const ui = { input, menu: el('ul', { hidden: true }), select: el('select'), wrap: el('span') };
    const calls = [];
    const api = async (path) => {
      calls.push(path);
      return path === '/api/handoff/canned'
        ? [{ id: 1, shortcut: 'thanks', text: `Thanks ${HOSTILE}` }, { id: 2, shortcut: 'order', text: 'Order?' }]
        : { shortcut: 'thanks', text: 'Thanks, Dana!' };
    };
    let replaced = null;
    const canned = createCanned({ ui, api, sessionId: () => 's1', canInsert: () => true,
      insert: (text, range) => { replaced = { text, range }; } });
    await canned.load();
    input.value = 'Hello /th';
    input.setSelectionRange(9, 9);
    input.dispatchEvent(new window.Event('input'));
    assert.equal(ui.menu.hidden, false);
    assert.deepEqual([...ui.menu.children].map((li) => li.dataset.shortcut), ['thanks']);
    assert.equal(ui.menu.querySelector('img'), null);
    const enter = new window.KeyboardEvent('keydown', { key: 'Enter', cancelable: true });
    input.dispatchEvent(enter);
    assert.equal(enter.defaultPrevented, true); // Enter picked the response instead of sending
    await waitFor(() => replaced, 'the inserted response');
    assert.deepEqual(replaced, { text: 'Thanks, Dana!', range: { start: 6, end: 9 } });
    assert.equal(calls.at(-1), '/api/handoff/sessions/s1/canned/thanks');
    assert.equal(ui.menu.hidden, true);
  });
});

describe('labels', () => {
  test('queue chips and the filter show labels as text and filter the queue', () => {
    const item = el('li');
    item.append(Object.assign(document.createElement('span'), { className: 'queue-tags' }));
    const ui = { box: el('div'), list: el('ul'), input: el('input'), add: el('button'), filter: el('select') };
    const entries = [{ session_id: 'a', state: 'queued', labels: [HOSTILE] }, { session_id: 'b', state: 'queued', labels: [] }];
    const labels = createLabels({ ui, staff: {}, current: () => entries[0], showError: () => {}, changed: () => {} });
    labels.renderQueueItem(item, entries[0]);
    labels.queueChanged(entries);
    assert.equal(item.querySelector('.tag-label').textContent, HOSTILE);
    assert.equal(document.querySelector('img'), null);
    ui.filter.value = HOSTILE;
    ui.filter.dispatchEvent(new window.Event('change'));
    assert.deepEqual(entries.map(labels.passes), [true, false]);
  });
});
