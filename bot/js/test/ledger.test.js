// De-duplication and delivery bookkeeping: replays, echoes of our own messages, acks, refusals.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { MessageLedger, messageId } from '../shared/ledger.js';

const frame = (clientId, text = 'hi') => ({ type: 'message', client_id: clientId, text });
const element = (connected = true) => ({ isConnected: connected });

describe('MessageLedger', () => {
  test('a replayed message is shown once, whether its id comes as a number or a string', () => {
    const ledger = new MessageLedger();
    assert.equal(ledger.receive({ id: 7, role: 'bot' }).kind, 'new');
    assert.equal(ledger.receive({ id: '7', role: 'bot' }).kind, 'seen');
    assert.equal(ledger.receive({ id: 8, role: 'bot' }).id, '8');
  });

  test('messages without an id are never taken for duplicates', () => {
    const ledger = new MessageLedger();
    assert.equal(ledger.receive({ role: 'system' }).kind, 'new');
    assert.equal(ledger.receive({ role: 'system' }).kind, 'new');
  });

  test('the echo of our own message confirms the element we drew instead of drawing it again', () => {
    const ledger = new MessageLedger();
    const drawn = element();
    ledger.expect(frame('c1'), drawn);
    const echo = ledger.receive({ id: 3, client_id: 'c1', role: 'customer' });
    assert.deepEqual(echo, { kind: 'own', id: '3', element: drawn });
    assert.equal(ledger.unsent.size, 0);
    assert.equal(ledger.receive({ id: 3, client_id: 'c1' }).kind, 'seen');
  });

  test('after an ack the echo is a duplicate', () => {
    const ledger = new MessageLedger();
    const drawn = element();
    ledger.expect(frame('c1'), drawn);
    assert.equal(ledger.acknowledge('c1', 3), drawn);
    assert.equal(ledger.unsent.size, 0);
    assert.equal(ledger.receive({ id: 3, client_id: 'c1' }).kind, 'seen');
  });

  test('an echo whose element is no longer on the page is drawn as new', () => {
    const ledger = new MessageLedger();
    ledger.expect(frame('c1'), element(false)); // the agent opened another conversation meanwhile
    assert.equal(ledger.receive({ id: 4, client_id: 'c1' }).kind, 'new');
  });

  test('waiting messages are re-sent in the order typed, stopping when the socket refuses', () => {
    const ledger = new MessageLedger();
    for (const id of ['a', 'b', 'c']) ledger.expect(frame(id, id), element());
    ledger.acknowledge('b', 2);
    const sent = [];
    ledger.resend((f) => { sent.push(f.client_id); return true; });
    assert.deepEqual(sent, ['a', 'c']);
    const tried = [];
    ledger.resend((f) => { tried.push(f.client_id); return false; });
    assert.deepEqual(tried, ['a']);
    assert.equal(ledger.unsent.size, 2, 'nothing is lost when sending fails');
  });

  test('a retry puts a refused message back in line', () => {
    const ledger = new MessageLedger();
    const drawn = element();
    ledger.expect(frame('c1'), drawn);
    assert.equal(ledger.refuse('c1'), drawn);
    assert.equal(ledger.refuse('c1'), null, 'refused once');
    ledger.expect(frame('c1'), drawn);
    assert.deepEqual([...ledger.unsent.keys()], ['c1']);
  });

  test('errors about other frames refuse nothing', () => {
    const ledger = new MessageLedger();
    ledger.expect(frame('c1'), element());
    assert.equal(ledger.refuse(undefined), null);
    assert.equal(ledger.refuse('other'), null);
    assert.equal(ledger.unsent.size, 1);
  });

  test('when the conversation ends, waiting messages are given up and returned to mark', () => {
    const ledger = new MessageLedger();
    const one = element();
    ledger.expect(frame('c1'), one);
    ledger.expect(frame('c2'), element());
    ledger.acknowledge('c2', 9);
    assert.deepEqual(ledger.abandon(), [['c1', one]]);
    assert.equal(ledger.unsent.size, 0);
  });

  test('clearing the screen forgets what was shown but keeps what still has to be sent', () => {
    const ledger = new MessageLedger();
    ledger.receive({ id: 1 });
    ledger.expect(frame('c1'), element());
    ledger.clearShown();
    assert.equal(ledger.receive({ id: 1 }).kind, 'new');
    assert.equal(ledger.unsent.size, 1);
    ledger.reset();
    assert.equal(ledger.unsent.size, 0);
  });
});

test('messageId', () => {
  assert.equal(messageId({ id: 0 }), '0');
  assert.equal(messageId({ id: null }), null);
  assert.equal(messageId(null), null);
});
