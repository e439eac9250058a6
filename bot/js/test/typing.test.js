// Typing indicators both ways, with node's mock timers standing in for the clock.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';

import { RemoteTyping, TYPING_IDLE_MS, TYPING_REFRESH_MS, TypingSignal } from '../shared/typing.js';

beforeEach(() => mock.timers.enable({ apis: ['setTimeout', 'Date'] }));
afterEach(() => mock.timers.reset());

test('our indicator: one "on" while typing goes on, refreshed, then one "off" after a pause', () => {
  const sent = [];
  const typing = new TypingSignal((on) => { sent.push(on); return true; });
  typing.typed();
  mock.timers.tick(1000);
  typing.typed();
  assert.deepEqual(sent, [true]);
  for (let i = 0; i < 3; i++) { // keeps typing past the refresh interval
    mock.timers.tick(TYPING_REFRESH_MS / 2);
    typing.typed();
  }
  assert.deepEqual(sent, [true, true]);
  mock.timers.tick(TYPING_IDLE_MS);
  assert.deepEqual(sent, [true, true, false]);
  typing.stop();
  assert.deepEqual(sent, [true, true, false], '"off" is sent once');
});

test('our indicator: an "on" that could not be sent is tried again, and no "off" follows it', () => {
  const sent = [];
  let online = false;
  const typing = new TypingSignal((on) => { sent.push(on); return online; });
  typing.typed();
  typing.stop();
  assert.deepEqual(sent, [true]);
  online = true;
  typing.typed();
  typing.stop();
  assert.deepEqual(sent, [true, true, false]);
});

test('their indicator hides on "off", or by itself when the "off" got lost', () => {
  const shown = [];
  const remote = new RemoteTyping({ show: (frame) => shown.push(frame.role), hide: () => shown.push('hidden'), timeoutMs: 10000 });
  remote.update({ on: true, role: 'agent' });
  remote.update({ on: false });
  assert.deepEqual(shown, ['agent', 'hidden']);
  remote.update({ on: true, role: 'bot' });
  mock.timers.tick(9999);
  remote.update({ on: true, role: 'bot' }); // news: the timeout starts over
  mock.timers.tick(9999);
  assert.deepEqual(shown, ['agent', 'hidden', 'bot', 'bot']);
  mock.timers.tick(1);
  assert.deepEqual(shown, ['agent', 'hidden', 'bot', 'bot', 'hidden']);
});
