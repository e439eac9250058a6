// The shared socket client against a real WebSocket server: greeting, binding, parsing, reconnect
// with backoff, and the cases where the page says not to reconnect.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { WebSocket as NodeWebSocket } from 'ws';

import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, ChatSocket, backoffDelay, byType, parseFrame, socketUrl } from '../shared/socket.js';
import { startServer, waitFor } from './support.js';

const FAST = { minMs: 5, maxMs: 40 };

// ws's client as the browser's: a failed connection is an `error` event, never an exception.
class WebSocket extends NodeWebSocket {
  constructor(...args) {
    super(...args);
    this.on('error', () => {});
  }
}

describe('backoffDelay', () => {
  test('doubles from the minimum up to the maximum, then stays there', () => {
    const top = (retries) => backoffDelay(retries, () => 1);
    assert.deepEqual([0, 1, 2, 3].map(top), [BACKOFF_MIN_MS, 2 * BACKOFF_MIN_MS, 4 * BACKOFF_MIN_MS, 8 * BACKOFF_MIN_MS]);
    assert.equal(top(30), BACKOFF_MAX_MS);
  });

  test('waits a random upper half of the step, so pages do not reconnect in lockstep', () => {
    assert.equal(backoffDelay(2, () => 0), 2 * BACKOFF_MIN_MS);
    assert.equal(backoffDelay(2, () => 0.5), 3 * BACKOFF_MIN_MS);
  });
});

describe('parseFrame', () => {
  test('gives objects and drops what a broken or hostile server could send', () => {
    assert.deepEqual(parseFrame('{"type":"ack","id":3}'), { type: 'ack', id: 3 });
    for (const data of ['not json', '42', '"text"', 'null', '', new ArrayBuffer(2)]) assert.equal(parseFrame(data), null);
  });
});

test('byType calls the handler of the frame\'s type and ignores types it does not know', () => {
  const calls = [];
  const onFrame = byType({ ack: (frame) => calls.push(frame.id) });
  for (const type of ['ack', 'newer_frame', 'toString', '__proto__', undefined]) onFrame({ type, id: type });
  assert.deepEqual(calls, ['ack']);
});

test('socketUrl follows the page: wss for https, ws for http', () => {
  assert.equal(socketUrl(new URL('https://help.example:8443/static/widget.js'), '/ws/customer'), 'wss://help.example:8443/ws/customer');
  assert.equal(socketUrl(new URL('http://127.0.0.1:8000/console'), '/ws/agent'), 'ws://127.0.0.1:8000/ws/agent');
});

describe('ChatSocket', () => {
  let server;
  let clients;

  beforeEach(async () => {
    server = await startServer();
    clients = [];
  });

  afterEach(async () => {
    for (const client of clients) client.disconnect();
    await server.close();
  });

  function open(options = {}) {
    const seen = { frames: [], closes: [], statuses: [] };
    let greetings = 0;
    const client = new ChatSocket({
      url: server.url,
      greeting: () => ({ type: 'hello', n: ++greetings }),
      onFrame: (frame) => seen.frames.push(frame),
      onClosed: (event) => { seen.closes.push(event.code); return true; },
      onStatus: (status) => seen.statuses.push(status),
      WebSocket,
      backoff: FAST,
      onlineEvents: null,
      ...options,
    });
    clients.push(client);
    client.connect();
    return { client, seen };
  }

  test('greets on open, and sends other frames only once bound', async () => {
    const { client } = open();
    await waitFor(() => server.connections[0]?.frames.length === 1, 'the greeting');
    assert.deepEqual(server.connections[0].frames[0], { type: 'hello', n: 1 });
    assert.equal(client.send({ type: 'message', text: 'too early' }), false);
    client.bound();
    assert.equal(client.send({ type: 'message', text: 'hi' }), true);
    await waitFor(() => server.connections[0].frames.length === 2, 'the message');
    assert.deepEqual(server.connections[0].frames[1], { type: 'message', text: 'hi' });
  });

  test('hands over parsed frames and skips broken ones', async () => {
    const { seen } = open();
    await waitFor(() => server.connections.length === 1, 'a connection');
    const socket = server.connections[0].socket;
    socket.send('{broken');
    socket.send(Buffer.from([1, 2, 3]), { binary: true });
    socket.send(JSON.stringify({ type: 'session', session_id: 's1' }));
    await waitFor(() => seen.frames.length === 1, 'the session frame');
    assert.deepEqual(seen.frames, [{ type: 'session', session_id: 's1' }]);
  });

  test('reconnects after the server closes, greets again, and starts the backoff over once bound', async () => {
    const { client, seen } = open();
    await waitFor(() => server.connections.length === 1, 'a connection');
    server.connections[0].socket.close(1012, 'restart');
    await waitFor(() => server.connections[1]?.frames.length === 1, 'the second greeting');
    assert.deepEqual(server.connections[1].frames[0], { type: 'hello', n: 2 });
    assert.deepEqual(seen.closes, [1012]);
    assert.deepEqual(seen.statuses, ['connecting', 'waiting', 'reconnecting']);
    assert.equal(client.retries, 1);
    client.bound();
    assert.equal(client.retries, 0);
  });

  test('keeps trying while the server is away', async () => {
    const address = server.url;
    await server.close();
    const { client, seen } = open({ url: address });
    await waitFor(() => client.retries >= 3, 'three attempts');
    assert.ok(seen.statuses.filter((s) => s === 'reconnecting').length >= 2);
    assert.equal(client.ready, false);
    server = await startServer(); // for afterEach
  });

  test('does not reconnect when the page says retrying cannot help', async () => {
    const { client, seen } = open({ onClosed: (event) => { seen.closes.push(event.code); return false; } });
    await waitFor(() => server.connections.length === 1, 'a connection');
    server.connections[0].socket.close(4403, 'origin_not_allowed');
    await waitFor(() => seen.closes.length === 1, 'the close');
    assert.deepEqual(seen.closes, [4403]);
    assert.equal(client.active, false);
    await new Promise((resolve) => setTimeout(resolve, 10 * FAST.maxMs)); // well past any backoff
    assert.equal(server.connections.length, 1);
  });

  test('disconnect closes for good, and the old socket\'s close event is ignored', async () => {
    const { client, seen } = open();
    await waitFor(() => server.connections[0]?.frames.length === 1, 'the greeting');
    const closed = new Promise((resolve) => server.connections[0].socket.once('close', resolve));
    client.disconnect(1000, 'sign out');
    assert.equal(await closed, 1000);
    assert.equal(client.active, false);
    await new Promise((resolve) => setTimeout(resolve, 10 * FAST.maxMs));
    assert.deepEqual(seen.closes, []);
    assert.equal(server.connections.length, 1);
  });

  test('a replaced socket cannot deliver late frames', async () => {
    const { client, seen } = open();
    await waitFor(() => server.connections.length === 1, 'a connection');
    client.reconnectNow(); // e.g. a new chat: the first socket is left behind without being closed
    await waitFor(() => server.connections.length === 2, 'the second connection');
    server.connections[0].socket.send(JSON.stringify({ type: 'message', text: 'old' }));
    server.connections[1].socket.send(JSON.stringify({ type: 'message', text: 'new' }));
    await waitFor(() => seen.frames.length === 1, 'the new socket\'s frame');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(seen.frames.map((f) => f.text), ['new']);
  });

  test('coming back online reconnects at once when the page wants a connection', async () => {
    const online = new EventTarget();
    let wanted = false;
    const { client } = open({ onlineEvents: online, wanted: () => wanted, backoff: { minMs: 60000, maxMs: 60000 } });
    await waitFor(() => server.connections.length === 1, 'a connection');
    server.connections[0].socket.close(1001, 'going away');
    await waitFor(() => !client.active, 'the close');
    online.dispatchEvent(new Event('online'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(server.connections.length, 1, 'not wanted: it waits for the backoff');
    wanted = true;
    online.dispatchEvent(new Event('online'));
    await waitFor(() => server.connections.length === 2, 'the reconnect');
    assert.equal(client.retries, 0);
  });
});
