// The console's alerts: each agent's choices, the count in the tab title, what is left out.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { DEFAULT_SETTINGS, Notifier, describe as describeFrame, loadSettings, saveSettings, titleWithCount } from '../console/notify.js';
import { installPage } from './support.js';

let window;
beforeEach(() => {
  window = installPage();
  window.document.title = 'Tandem — Agent console';
});

function memoryStore() {
  const items = new Map();
  return { getItem: (key) => items.get(key) ?? null, setItem: (key, value) => items.set(key, String(value)), items };
}

function controls() {
  const box = () => Object.assign(document.createElement('input'), { type: 'checkbox' });
  return {
    sound: box(), desktop: box(), title: box(), waiting: box(),
    permission: document.createElement('p'), permissionText: document.createElement('span'),
    allow: document.createElement('button'),
  };
}

function notifier(store = memoryStore(), opened = []) {
  const parts = controls();
  return { parts, store, opened, notifier: new Notifier({ store, controls: parts, onOpen: (id) => opened.push(id) }) };
}

describe('settings', () => {
  test('are kept per agent, and junk in storage falls back to the defaults', () => {
    const store = memoryStore();
    saveSettings(store, 'agent1', { ...DEFAULT_SETTINGS, sound: false });
    assert.equal(loadSettings(store, 'agent1').sound, false);
    assert.deepEqual(loadSettings(store, 'agent2'), DEFAULT_SETTINGS);
    store.setItem('tandem.notify.agent3', '{"sound": "loud", "title": false');
    assert.deepEqual(loadSettings(store, 'agent3'), DEFAULT_SETTINGS);
    store.setItem('tandem.notify.agent4', '{"sound": "loud", "title": false}');
    assert.deepEqual(loadSettings(store, 'agent4'), { ...DEFAULT_SETTINGS, title: false });
    assert.deepEqual(loadSettings(null, 'agent1'), DEFAULT_SETTINGS);
  });

  test('a switch the agent turns off stays off for them after signing in again', () => {
    const { parts, store, notifier: first } = notifier();
    first.setAgent('agent1');
    parts.waiting.checked = false;
    parts.waiting.dispatchEvent(new window.Event('change'));
    const { parts: again, notifier: second } = notifier(store);
    second.setAgent('agent1');
    assert.equal(again.waiting.checked, false);
    second.setAgent('agent2');
    assert.equal(again.waiting.checked, true);
  });
});

describe('notify', () => {
  test('counts alerts in the tab title until the agent comes back to the page', () => {
    const { notifier: n } = notifier();
    n.setAgent('agent1');
    assert.deepEqual(n.notify({ kind: 'assigned', session_id: 's1' }), ['title']); // no audio or Notification in jsdom
    n.notify({ kind: 'waiting', session_id: 's2', queue: 'billing' });
    assert.equal(document.title, '(2) Tandem — Agent console');
    window.dispatchEvent(new window.Event('focus'));
    assert.equal(document.title, 'Tandem — Agent console');
  });

  test('leaves out waiting chats when asked, and a message in the conversation the agent is reading', () => {
    const { parts, notifier: n } = notifier();
    n.setAgent('agent1');
    parts.waiting.checked = false;
    parts.waiting.dispatchEvent(new window.Event('change'));
    assert.deepEqual(n.notify({ kind: 'waiting', session_id: 's1' }), []);
    assert.deepEqual(n.notify({ kind: 'message', session_id: 's1' }, { looking: true }), []);
    assert.deepEqual(n.notify({ kind: 'message', session_id: 's1' }), ['title']);
  });

  test('nothing before an agent signs in or after they sign out, and unknown kinds are ignored', () => {
    const { notifier: n } = notifier();
    assert.deepEqual(n.notify({ kind: 'assigned', session_id: 's1' }), []);
    n.setAgent('agent1');
    assert.deepEqual(n.notify({ kind: 'surprise', session_id: 's1' }), []);
    n.notify({ kind: 'assigned', session_id: 's1' });
    n.reset();
    assert.equal(document.title, 'Tandem — Agent console');
    assert.deepEqual(n.notify({ kind: 'assigned', session_id: 's2' }), []);
  });
});

test('titles and desktop texts', () => {
  assert.equal(titleWithCount('Console', 0), 'Console');
  assert.equal(titleWithCount('Console', 3), '(3) Console');
  assert.equal(describeFrame({ kind: 'waiting', queue: 'billing' }), 'A chat is waiting (billing queue)');
  assert.equal(describeFrame({ kind: 'assigned' }), 'A chat was assigned to you');
});
