// What the unit tests share: a jsdom window as the page (for the modules that build elements), a
// real WebSocket server on the loopback address, and polling with a deadline instead of sleeps.
import { JSDOM } from 'jsdom';
import { WebSocketServer } from 'ws';

/** Makes a fresh jsdom page the global `document` (and its DOMParser) for the code under test. */
export function installPage() {
  const { window } = new JSDOM('<!doctype html><html><body></body></html>');
  globalThis.window = window;
  globalThis.document = window.document;
  globalThis.DOMParser = window.DOMParser;
  return window;
}

/** Resolves once `predicate()` is truthy; fails after `timeoutMs` with `what` in the message. */
export async function waitFor(predicate, what, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A WebSocket server on 127.0.0.1 (a free port) that records every connection and the frames each
 * sent, as parsed JSON. `url` is its address; `close()` stops it.
 */
export async function startServer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((resolve) => server.once('listening', resolve));
  const connections = [];
  server.on('connection', (socket) => {
    const connection = { socket, frames: [] };
    socket.on('message', (data) => connection.frames.push(JSON.parse(String(data))));
    connections.push(connection);
  });
  return {
    url: `ws://127.0.0.1:${server.address().port}/ws/test`,
    connections,
    close: () => new Promise((resolve) => {
      for (const client of server.clients) client.terminate();
      server.close(resolve);
    }),
  };
}
