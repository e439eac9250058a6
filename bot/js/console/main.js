/*
 * Tandem agent console: the entry point of /static/console.js (built by `make setup` into one script).
 *
 * Signs in with the staff pages' sign-in (staff.js, loaded first: window.TandemStaff), then speaks the
 * agent side of docs/protocol.md over /ws/agent through the shared ChatSocket and MessageLedger
 * (bot/js/shared/). Message text, previews and names are put into the page with textContent only;
 * nothing from the server goes through innerHTML.
 */
import { h, newClientId, submitOnEnter } from '../shared/dom.js';
import { MessageLedger } from '../shared/ledger.js';
import { ChatSocket, byType, socketUrl } from '../shared/socket.js';
import { RemoteTyping, TypingSignal } from '../shared/typing.js';
import { marks, renderMessage } from './messages.js';
import { Notifier } from './notify.js';
import { createCanned } from './canned.js';
import { createCannedEditor } from './canned-editor.js';
import { createLabels } from './labels.js';
import { createSuggestions } from './suggestions.js';

runConsole();

function runConsole() {
  const PRESENCE_KEY = 'tandem.agent_presence';
  const SUPERVISOR_ROLES = new Set(['supervisor', 'admin']);
  const PRESENCES = new Set(['online', 'away']);
  const AGENTS_REFRESH_MS = 1000; // at most one GET /api/handoff/agents a second on live events
  const AGENTS_POLL_MS = 30000; // and now and then anyway (an expired presence sends no event)
  const SIGN_OFF_WAIT_MS = 3000; // how long to wait for the server to close after `logout`
  const CONSOLE_ROLES = new Set(['agent', 'supervisor', 'admin']);
  const MAX_TEXT = 2000;
  const CUSTOMER_TYPING_TIMEOUT_MS = 10000; // hide the indicator if its "off" got lost
  const ERROR_VISIBLE_MS = 12000;
  const SOCKET_URL = socketUrl(location, '/ws/agent');
  const storage = window.TandemStaff.storage;

  const $ = (id) => document.getElementById(id);

  const ui = {
    appView: $('app-view'),
    agentName: $('agent-name'),
    connection: $('console-connection'),
    logout: $('logout-btn'),
    error: $('console-error'),
    queue: $('queue'),
    queueCount: $('queue-count'),
    queueEmpty: $('queue-empty'),
    title: $('conversation-title'),
    hint: $('conversation-hint'),
    stateBadge: $('conversation-state'),
    conversation: $('conversation'),
    customerTyping: $('customer-typing'),
    replyForm: $('reply-form'),
    replyInput: $('reply-input'),
    replyInternal: $('reply-internal'),
    replySend: $('reply-send'),
    resolve: $('resolve-btn'),
    ours: $('resolve-ours'),
    handback: $('handback-btn'),
    presence: $('presence-select'),
    queueFilter: $('queue-filter'),
    agentsPanel: $('agents-panel'),
    agentsList: $('agents-list'),
    agentsCount: $('agents-count'),
    agentsEmpty: $('agents-empty'),
    meta: $('conversation-meta'),
    transferSelect: $('transfer-select'),
    transfer: $('transfer-btn'),
    cannedWrap: $('canned-wrap'),
    canned: $('canned-replies'),
  };

  const state = {
    agent: null, // {id, name, role} from `ready`
    queue: new Map(), // session_id -> queue entry, in the server's order
    queueEls: new Map(), // session_id -> <li>
    unread: new Set(), // session ids with messages the agent has not looked at
    held: new Set(), // session ids this agent holds
    currentId: null, // the session shown on the right
    currentState: null,
    typingSession: null, // where our last "typing on" went, so "off" goes there too
    errorTimer: null,
    ticker: null,
    presence: PRESENCES.has(storage.get(PRESENCE_KEY)) ? storage.get(PRESENCE_KEY) : 'online', // what the agent chose
    capacity: null, // from the server's `presence` answer
    config: { queues: [] }, // GET /api/handoff/config
    agents: [], // GET /api/handoff/agents (supervisors and admins)
    agentsTimer: null,
    agentsPoller: null,
    agentsFetchedAt: 0,
    agentsRequest: 0, // sequence number, so a slow old answer cannot overwrite a newer one
    queueFilter: 'all',
    signingOff: false,
    signOffTimer: null,
  };

  // The open conversation's messages on screen, and the agent's replies not yet acknowledged.
  const ledger = new MessageLedger();

  /* ---------- helpers ---------- */

  // Ids may arrive as numbers or strings; compare them as strings.
  const sameId = (a, b) => a != null && b != null && String(a) === String(b);

  function formatDuration(ms) {
    const total = Math.max(0, Math.floor(ms / 1000));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
    if (minutes > 0) return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
    return `${seconds}s`;
  }

  // Escalation reasons are codes such as "customer_request"; make them readable.
  function humanize(code) {
    if (!code) return 'Handoff';
    const words = String(code).replace(/[_-]+/g, ' ').trim();
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function shortId(id) {
    const text = String(id);
    return text.length > 8 ? text.slice(0, 8) : text;
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
    clearTimeout(state.errorTimer);
    state.errorTimer = setTimeout(clearError, ERROR_VISIBLE_MS);
  }

  function clearError() {
    ui.error.hidden = true;
    ui.error.textContent = '';
  }

  /* ---------- sign-in (staff.js) and the connection ---------- */

  const staff = window.TandemStaff.page({
    refuse: (role) => (CONSOLE_ROLES.has(role) ? '' : 'This account cannot use the agent console.'),
    enter: startConsole,
    leave: stopConsole,
    signOff,
  });

  const client = new ChatSocket({
    url: SOCKET_URL,
    greeting: () => ({ type: 'auth' }), // the socket sends the staff session cookie
    onFrame: byType({
      ready: onReady, queue: onQueue, transcript: onTranscript, claimed: onClaimed, message: onMessage,
      ack: onAck, session_state: onSessionState, typing: onCustomerTyping, presence: onPresence,
      agent_presence: scheduleAgentsRefresh, error: onErrorFrame, notify: onNotify,
    }),
    onClosed: onSocketClosed,
    onStatus: (status) => {
      if (status !== 'waiting') ui.appView.dataset.ready = 'false';
      setConnection(status === 'connecting' ? 'Connecting…' : 'Reconnecting…');
    },
    wanted: () => staff.signedIn(),
  });

  const send = (frame) => client.send(frame); // everything but `auth` needs an authenticated socket

  function startConsole() {
    clearInterval(state.ticker);
    state.ticker = setInterval(updateWaitTimes, 1000);
    showPresence(state.presence);
    updateControls();
    client.reconnectNow();
    loadConfig();
    desk.canned.load();
  }

  // Signed out (by the agent, or because the token expired): forget this sign-in's work.
  function stopConsole() {
    client.disconnect(1000, 'sign out');
    notifier.reset();
    clearInterval(state.ticker);
    clearTimeout(state.signOffTimer);
    clearTimeout(state.agentsTimer);
    clearInterval(state.agentsPoller);
    state.agentsTimer = null;
    state.agentsPoller = null;
    state.signingOff = false;
    ui.logout.disabled = false;
    storage.remove(PRESENCE_KEY);
    state.presence = 'online';
    state.agents = [];
    state.agentsRequest += 1; // answers still on their way are for the old sign-in
    renderAgents();
    ui.agentsPanel.hidden = true;
    state.agent = null;
    state.queue.clear();
    state.held.clear();
    state.unread.clear();
    ledger.reset();
    desk.canned.reset();
    desk.cannedEditor.show(false);
    renderQueue();
    closeConversation();
    clearError();
  }

  // True to reconnect.
  function onSocketClosed(event) {
    ui.appView.dataset.ready = 'false';
    hideCustomerTyping();
    updateControls();
    if (state.signingOff) { // the server closes the socket once `logout` is done
      staff.signOut();
      return false;
    }
    if (event.code === 4401) { // auth_failed: the token expired or was revoked
      staff.signOut(window.TandemStaff.SESSION_EXPIRED);
      return false;
    }
    if (event.code === 4403) { // origin_not_allowed: retrying cannot help
      setConnection('Disconnected');
      showError('The server refused this page’s origin. Contact your administrator.');
      return false;
    }
    return true;
  }

  // For actions that make no sense to queue (claim, resolve…): tell the agent.
  function sendOrComplain(frame) {
    if (send(frame)) return true;
    showError('Not connected to the server. Reconnecting — try again in a moment.');
    return false;
  }

  function setConnection(text) {
    ui.connection.textContent = text;
    ui.connection.classList.toggle('is-offline', text !== '');
  }

  /* ---------- incoming frames ---------- */

  function onReady(frame) {
    client.bound();
    state.agent = frame.agent || null;
    if (state.agent && state.agent.name) ui.agentName.textContent = state.agent.name;
    if (state.agent) notifier.setAgent(state.agent.id);
    setConnection('');
    onPresence(frame); // `ready` carries the presence and capacity this socket registered
    // A new socket starts online: tell the server if the agent had chosen "away".
    if (state.presence !== 'online') send({ type: 'presence', presence: state.presence });
    // After a reconnect: subscribe again to what was open, then re-send replies
    // that were never acknowledged (the server de-duplicates by client_id).
    if (state.currentId) send({ type: 'open', session_id: state.currentId });
    ledger.resend(send);
    setUpSupervising();
    renderTransferOptions();
    updateControls();
  }

  function onQueue(frame) {
    ui.appView.dataset.ready = 'true'; // authenticated and live (the first snapshot follows `ready`)
    const sessions = Array.isArray(frame.sessions) ? frame.sessions : [];
    state.queue = new Map(sessions.map((entry) => [String(entry.session_id), entry]));

    // The snapshot is the truth about who holds what.
    for (const id of [...state.held]) {
      if (!state.queue.has(id)) state.held.delete(id);
    }
    for (const [id, entry] of state.queue) {
      if (isMine(entry)) state.held.add(id);
      else state.held.delete(id);
    }
    for (const id of [...state.unread]) {
      if (!state.queue.has(id)) state.unread.delete(id);
    }

    const current = state.currentId && state.queue.get(state.currentId);
    if (current) state.currentState = current.state;
    desk.labels.queueChanged([...state.queue.values()]);
    renderQueue();
    updateControls();
  }

  function isMine(entry) {
    return entry.state === 'assigned' && state.agent != null && sameId(entry.agent_id, state.agent.id);
  }

  function onTranscript(frame) {
    const id = String(frame.session_id);
    if (id !== state.currentId) return; // the agent has moved on to another session
    if (frame.state) state.currentState = frame.state;
    renderMessages(frame.messages);
    updateControls();
  }

  function onClaimed(frame) {
    const id = String(frame.session_id);
    state.held.add(id);
    const entry = state.queue.get(id);
    if (entry) {
      entry.state = 'assigned';
      if (state.agent) {
        entry.agent_id = state.agent.id;
        entry.agent_name = state.agent.name;
      }
    }
    if (id !== state.currentId) showConversation(id);
    state.currentState = 'assigned';
    renderMessages(frame.messages);
    renderQueue();
    updateControls();
    clearError();
    ui.replyInput.focus();
  }

  function onMessage(msg) {
    const sessionId = String(msg.session_id);
    if (sessionId !== state.currentId) {
      if (msg.role === 'customer') {
        state.unread.add(sessionId);
        renderQueue();
      }
      return;
    }
    if (msg.role === 'customer') {
      hideCustomerTyping();
      desk.suggestions.customerWrote(sessionId);
    }
    appendMessage(msg);
  }

  function onAck(frame) {
    const own = ledger.acknowledge(frame.client_id, frame.id);
    if (own) marks.sent(own, frame.id);
  }

  function onSessionState(frame) {
    const id = String(frame.session_id);
    const entry = state.queue.get(id);
    if (frame.state === 'queued' || frame.state === 'assigned') {
      if (entry) Object.assign(entry, { state: frame.state, agent_id: frame.agent_id, agent_name: frame.agent_name });
    } else {
      state.queue.delete(id); // back with the bot, or closed: no longer in the queue
    }

    const mine = frame.state === 'assigned' && state.agent && sameId(frame.agent_id, state.agent.id);
    // Given to us by someone else (a transfer or a supervisor's assignment): flag it until opened.
    if (mine && !state.held.has(id) && id !== state.currentId) state.unread.add(id);
    if (mine) state.held.add(id);
    else state.held.delete(id);

    if (id === state.currentId) {
      state.currentState = frame.state;
      if (frame.state === 'closed' || frame.state === 'bot') {
        hideCustomerTyping();
        stopTyping();
      }
    }
    renderQueue();
    updateControls();
    scheduleAgentsRefresh(); // an agent's load may have changed
  }

  const customerTyping = new RemoteTyping({
    show: () => { ui.customerTyping.hidden = false; },
    hide: () => { ui.customerTyping.hidden = true; },
    timeoutMs: CUSTOMER_TYPING_TIMEOUT_MS,
  });

  function onCustomerTyping(frame) {
    if (String(frame.session_id) === state.currentId) customerTyping.update(frame);
  }

  function hideCustomerTyping() {
    customerTyping.hide();
  }

  function onErrorFrame(frame) {
    showError(frame.detail || `The server refused the request (${frame.code || 'error'}).`);
    // An error about one of our replies: it was not stored.
    const own = ledger.refuse(frame.ref);
    if (own) marks.failed(own);
  }

  /* ---------- the queue ---------- */

  function renderQueue() {
    const ids = [...state.queue.keys()];
    // Update items in place (rather than rebuilding the list) so a focused
    // button keeps its focus when the queue changes.
    ids.forEach((id, index) => {
      let item = state.queueEls.get(id);
      if (!item) {
        item = createQueueItem(id);
        state.queueEls.set(id, item);
      }
      updateQueueItem(item, state.queue.get(id));
      if (ui.queue.children[index] !== item) ui.queue.insertBefore(item, ui.queue.children[index] || null);
    });
    for (const [id, item] of state.queueEls) {
      if (!state.queue.has(id)) {
        item.remove();
        state.queueEls.delete(id);
      }
    }
    // The filter hides other queues' items; the agent's own chats always stay in view.
    const shown = ids.filter((id) => {
      const visible = passesFilter(state.queue.get(id));
      state.queueEls.get(id).hidden = !visible;
      return visible;
    });
    const waiting = shown.filter((id) => state.queue.get(id).state === 'queued').length;
    ui.queueCount.textContent = shown.length ? `${waiting} waiting` : '';
    ui.queueEmpty.textContent = ids.length > 0
      ? 'Nothing in this queue right now.'
      : 'No one is waiting. New handoffs appear here.';
    ui.queueEmpty.hidden = shown.length > 0;
  }

  function passesFilter(entry) {
    const inQueue = state.queueFilter === 'all' || isMine(entry) || (entry.queue || '') === state.queueFilter;
    return inQueue && desk.labels.passes(entry);
  }

  function onQueueFilterChange() {
    state.queueFilter = ui.queueFilter.value || 'all';
    renderQueue();
  }

  function createQueueItem(id) {
    const item = h('li', { class: 'queue-item', 'data-session-id': id });
    const open = h('button', { type: 'button', class: 'queue-open' }, [
      h('span', { class: 'queue-top' }, [
        h('span', { class: 'queue-reason' }),
        h('span', { class: 'queue-wait', title: 'Waiting time' }),
      ]),
      h('span', { class: 'queue-tags' }, [
        h('span', { class: 'tag tag-queue', title: 'Queue' }),
        h('span', { class: 'tag tag-product', title: 'Product' }),
        h('span', { class: 'tag tag-offline', text: 'Offline ticket', title: 'Left while nobody was available' }),
        h('span', { class: 'queue-contact', title: 'How to reach the customer' }),
      ]),
      h('span', { class: 'queue-state' }),
      h('span', { class: 'queue-preview' }),
    ]);
    const claim = h('button', { type: 'button', class: 'claim-btn button button-small', text: 'Claim' });
    item.append(open, claim);
    // A click anywhere on the item opens it; the Claim button claims (and opens).
    item.addEventListener('click', (event) => {
      if (event.target instanceof Element && event.target.closest('.claim-btn')) claimSession(id);
      else openSession(id);
    });
    return item;
  }

  function updateQueueItem(item, entry) {
    const id = String(entry.session_id);
    const queued = entry.state === 'queued';
    const mine = isMine(entry);

    item.dataset.state = entry.state;
    item.dataset.queue = entry.queue || '';
    const since = timestampMs(entry.queued_at);
    item.dataset.queuedAt = Number.isNaN(since) ? '' : String(since);
    item.classList.toggle('is-current', id === state.currentId);
    item.classList.toggle('is-mine', mine);
    item.classList.toggle('has-unread', state.unread.has(id));
    item.querySelector('.queue-open').setAttribute('aria-current', id === state.currentId ? 'true' : 'false');

    item.querySelector('.queue-reason').textContent = humanize(entry.reason);
    setTag(item.querySelector('.tag-queue'), entry.queue ? humanize(entry.queue) : '');
    setTag(item.querySelector('.tag-product'), entry.product || '');
    item.querySelector('.tag-offline').hidden = !entry.offline;
    setTag(item.querySelector('.queue-contact'), entry.offline ? (entry.contact || 'no contact left yet') : '');
    item.classList.toggle('is-offline', Boolean(entry.offline));
    item.querySelector('.queue-state').textContent = queued
      ? 'Queued'
      : `Assigned to ${mine ? 'you' : (entry.agent_name || 'another agent')}`;
    item.querySelector('.queue-preview').textContent = entry.preview || '';
    desk.labels.renderQueueItem(item, entry);
    updateWaitTime(item);

    const claim = item.querySelector('.claim-btn');
    claim.hidden = !queued;
    claim.setAttribute('aria-label', `Claim conversation ${shortId(id)}`);
  }

  function setTag(node, text) {
    node.textContent = text;
    node.hidden = text === '';
  }

  // `queued_at` is ISO 8601 in UTC; epoch seconds (what older servers sent) are accepted too.
  function timestampMs(value) {
    if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : NaN;
    if (typeof value !== 'string' || value === '') return NaN;
    const number = Number(value);
    return Number.isFinite(number) ? number * 1000 : Date.parse(value);
  }

  function updateWaitTime(item) {
    const since = item.dataset.queuedAt === '' ? NaN : Number(item.dataset.queuedAt);
    item.querySelector('.queue-wait').textContent = Number.isNaN(since) ? '' : formatDuration(Date.now() - since);
  }

  function updateWaitTimes() {
    for (const item of state.queueEls.values()) updateWaitTime(item);
  }

  /* ---------- the open conversation ---------- */

  function openSession(id) {
    if (id !== state.currentId) showConversation(id);
    state.unread.delete(id);
    renderQueue();
    send({ type: 'open', session_id: id }); // if offline, onReady re-opens it
  }

  // The protocol does not say that `claim` subscribes to live messages, so we
  // `open` first (harmless if it does); a lost race shows as already_claimed.
  function claimSession(id) {
    openSession(id);
    sendOrComplain({ type: 'claim', session_id: id });
  }

  function showConversation(id) {
    stopTyping();
    hideCustomerTyping();
    ui.conversation.replaceChildren();
    ledger.clearShown();
    state.currentId = id;
    const entry = state.queue.get(id);
    state.currentState = entry ? entry.state : null;
    ui.title.textContent = `Conversation ${shortId(id)}`;
    ui.title.title = id;
    ui.replyInput.value = '';
    ui.transferSelect.value = '';
    desk.suggestions.show(id);
    updateControls();
  }

  function closeConversation() {
    state.currentId = null;
    state.currentState = null;
    ledger.clearShown();
    ui.conversation.replaceChildren();
    ui.title.textContent = 'No conversation open';
    ui.title.removeAttribute('title');
    desk.suggestions.show(null);
    updateControls();
  }

  function renderMessages(messages) {
    if (!Array.isArray(messages)) return;
    for (const msg of messages) appendMessage(msg);
  }

  function appendMessage(msg) {
    const { kind, id, element } = ledger.receive(msg);
    if (kind === 'seen') return;
    if (kind === 'own') { // one of our own replies coming back: confirm the bubble already drawn
      marks.sent(element, id);
      return;
    }
    const stick = isNearBottom();
    ui.conversation.append(renderMessage(msg));
    if (stick) scrollToEnd();
  }

  function isNearBottom() {
    const list = ui.conversation;
    return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  }

  function scrollToEnd() {
    ui.conversation.scrollTop = ui.conversation.scrollHeight;
  }

  /* ---------- what the agent may do ---------- */

  function holdsCurrent() {
    return state.currentId !== null && state.held.has(state.currentId) && state.currentState !== 'closed';
  }

  function updateControls() {
    const canAct = holdsCurrent();
    for (const control of [ui.replyInput, ui.replyInternal, ui.replySend, ui.resolve, ui.handback, ui.canned]) {
      control.disabled = !canAct;
    }
    ui.replyForm.classList.toggle('is-internal', canAct && ui.replyInternal.checked);
    const transferable = canTransfer();
    ui.transferSelect.disabled = !transferable;
    ui.transfer.disabled = !transferable || ui.transferSelect.value === '';
    ui.transfer.textContent = transferable && state.currentState === 'queued' && !holdsCurrent() ? 'Assign' : 'Transfer';
    renderMeta();
    ui.hint.textContent = conversationHint();
    const stateText = state.currentState ? humanize(state.currentState) : '';
    ui.stateBadge.textContent = stateText;
    ui.stateBadge.dataset.state = state.currentState || '';
    ui.stateBadge.hidden = stateText === '';
    desk.suggestions.refresh();
    desk.labels.showCurrent();
    showOurs(canAct);
  }

  // A third-party or off-topic handover the agent answers may have been about our products after all:
  // resolving it as "actually ours" lets the knowledge base learn from the answer (docs/learning.md).
  const OURS_REASONS = new Set(['third_party', 'out_of_scope']);
  function showOurs(canAct) {
    const entry = state.currentId ? state.queue.get(state.currentId) : null;
    const offer = canAct && Boolean(entry) && OURS_REASONS.has(entry.reason);
    ui.ours.closest('label').hidden = !offer;
    if (!offer) ui.ours.checked = false;
  }

  function conversationHint() {
    if (state.currentId === null) return 'Pick a conversation from the queue.';
    if (state.currentState === 'closed') return 'This conversation is closed.';
    if (state.currentState === 'bot') return 'The bot is handling this conversation.';
    if (holdsCurrent()) return 'You are handling this conversation.';
    const entry = state.queue.get(state.currentId);
    if (entry && entry.state === 'assigned') return `Assigned to ${entry.agent_name || 'another agent'} — read only.`;
    return 'Claim this conversation in the queue to reply.';
  }

  /* ---------- replying ---------- */

  function onReplySubmit(event) {
    event.preventDefault();
    if (!holdsCurrent()) return;
    const text = ui.replyInput.value.trim();
    if (text === '') return;
    if (text.length > MAX_TEXT) {
      showError(`Replies can be at most ${MAX_TEXT} characters long.`);
      return;
    }
    const internal = ui.replyInternal.checked;
    const frame = { type: 'message', session_id: state.currentId, client_id: newClientId(), text, internal };
    const articleId = desk.suggestions.takeArticle(state.currentId, internal);
    if (articleId) frame.article_id = articleId; // the reply was taken from a suggested article

    const item = renderMessage({
      role: 'agent', text, internal, agent_name: state.agent ? state.agent.name : null, ts: new Date().toISOString(),
    });
    marks.pending(item, send(frame) ? 'Sending…' : 'Waiting for connection…');
    ui.conversation.append(item);
    scrollToEnd();
    ledger.expect(frame, item); // kept until `ack`; re-sent after a reconnect

    stopTyping();
    ui.replyInput.value = '';
    ui.replyInternal.checked = false;
    ui.replyForm.classList.remove('is-internal');
    ui.replyInput.focus();
  }

  function onReplyInput() {
    // Writing an internal note must not show "typing" to the customer.
    if (ui.replyInternal.checked || ui.replyInput.value.trim() === '') stopTyping();
    else startTyping();
    if (ui.replyInput.value.trim() === '') desk.suggestions.replyCleared();
  }

  // "On" goes to the open conversation; "off" to where the last "on" went.
  const typing = new TypingSignal((on) => {
    if (on) state.typingSession = state.currentId;
    return send({ type: 'typing', session_id: state.typingSession, on });
  });

  function startTyping() {
    if (holdsCurrent()) typing.typed();
  }

  function stopTyping() {
    typing.stop();
  }

  function resolveCurrent() {
    if (!holdsCurrent()) return;
    stopTyping();
    sendOrComplain({ type: 'resolve', session_id: state.currentId, ours: ui.ours.checked });
  }

  function handBackCurrent() {
    if (!holdsCurrent()) return;
    stopTyping();
    sendOrComplain({ type: 'handback', session_id: state.currentId });
  }

  /* ---------- queue details of the open conversation ---------- */

  function renderMeta() {
    const entry = state.currentId ? state.queue.get(state.currentId) : null;
    const parts = [];
    if (entry && entry.queue) parts.push(`Queue: ${entry.queue}`);
    if (entry && entry.product) parts.push(`Product: ${entry.product}`);
    if (entry && entry.offline) parts.push(`Offline ticket — contact: ${entry.contact || 'none yet'}`);
    if (entry && entry.why && entry.why.rule) parts.push(whyText(entry.why));
    ui.meta.textContent = parts.join(' · ');
    ui.meta.hidden = parts.length === 0;
  }

  // Why the bot handed over (routing.Route.why): the rule, the classifier's top intents, the
  // entities and the best articles with their scores. Plain text, so nothing in it is markup.
  function whyText(why) {
    const pct = (pairs) => (pairs || []).map(([name, score]) => `${name} ${Math.round(score * 100)}%`).join(', ');
    const entities = Object.values(why.entities || {}).flat().join(', ');
    return [`Bot: ${humanize(why.rule)}`, `intents ${pct(why.intents) || 'none'}`,
      entities ? `named ${entities}` : '', `articles ${pct(why.candidates) || 'none'}`].filter(Boolean).join('; ');
  }

  /* ---------- console settings: queues and canned replies ---------- */

  // GET an agent API in the staff session; null when it failed (the reason is shown; a 401 signs out).
  async function apiGet(path) {
    const signIn = staff.session();
    try {
      const body = await staff.api(path);
      return signIn === staff.session() ? body : null; // null if signed out (or in again) meanwhile
    } catch (error) {
      if (error instanceof window.TandemStaff.ApiError && error.status !== 401 && signIn === staff.session()) {
        showError(error.message);
      }
      return null; // offline: the socket's reconnect shows that already
    }
  }

  async function loadConfig() {
    const body = await apiGet('/api/handoff/config');
    if (!body) return;
    state.config = {
      queues: Array.isArray(body.queues) ? body.queues.filter((q) => typeof q === 'string' && q !== '') : [],
    };
    renderQueueFilter();
    renderTransferOptions();
    updateControls();
  }

  function renderQueueFilter() {
    const options = [h('option', { value: 'all', text: 'All queues' })];
    for (const queue of state.config.queues) options.push(h('option', { value: queue, text: humanize(queue) }));
    ui.queueFilter.replaceChildren(...options);
    if (state.queueFilter !== 'all' && !state.config.queues.includes(state.queueFilter)) state.queueFilter = 'all';
    ui.queueFilter.value = state.queueFilter;
    renderQueue();
  }

  /* ---------- the desk: suggested answers, canned responses, labels (their own modules) ---------- */

  // A canned response or a suggested answer goes into the reply box (at the cursor, or in place of
  // `range`, the `/shortcut` typed), to edit before sending.
  function insertIntoReply(text, range = null) {
    if (!holdsCurrent()) return;
    const input = ui.replyInput;
    if (range) input.setRangeText(text, range.start, range.end, 'end');
    else if (input.value.trim() === '') input.value = text;
    else input.setRangeText(text, input.selectionStart, input.selectionEnd, 'end');
    input.focus();
    onReplyInput();
  }

  const desk = {
    suggestions: createSuggestions({
      ui: { panel: $('suggestions'), list: $('suggestions-list'), question: $('suggestions-question') },
      api: apiGet, canInsert: holdsCurrent, insert: insertIntoReply,
    }),
    canned: createCanned({
      ui: { input: ui.replyInput, menu: $('shortcut-menu'), select: ui.canned, wrap: ui.cannedWrap },
      api: apiGet, sessionId: () => state.currentId, canInsert: holdsCurrent, insert: insertIntoReply,
      onLoaded: (responses) => desk.cannedEditor.render(responses),
    }),
    cannedEditor: createCannedEditor({
      ui: { panel: $('canned-panel'), list: $('canned-list'), empty: $('canned-empty'), form: $('canned-form'),
        shortcut: $('canned-shortcut'), text: $('canned-text'), save: $('canned-save'), cancel: $('canned-cancel'),
        error: $('canned-form-error') },
      staff, changed: () => desk.canned.load(),
    }),
    labels: createLabels({
      ui: { box: $('conversation-labels'), list: $('labels-list'), input: $('label-input'), add: $('label-add'),
        filter: $('label-filter') },
      staff, current: () => (state.currentId ? state.queue.get(state.currentId) || null : null), showError,
      changed: renderQueue,
    }),
  };

  /* ---------- presence and signing off ---------- */

  function showPresence(presence) {
    ui.presence.value = presence;
    ui.presence.dataset.presence = presence;
  }

  function onPresenceChange() {
    const presence = ui.presence.value;
    if (!PRESENCES.has(presence)) return;
    state.presence = presence;
    storage.set(PRESENCE_KEY, presence);
    showPresence(presence);
    send({ type: 'presence', presence }); // if offline, onReady sends it
  }

  // The server's answer (or `ready`): the presence and capacity as stored.
  function onPresence(frame) {
    if (frame.capacity != null) state.capacity = frame.capacity;
    if (PRESENCES.has(frame.presence) && frame.presence === state.presence) showPresence(frame.presence);
    ui.presence.title = state.capacity ? `Whether you take new chats (up to ${state.capacity} at once)` : ui.presence.title;
  }

  // Going off shift: `logout` makes the server mark us offline and put our chats at the
  // front of the queue, then close the socket; only then is the page signed out.
  function signOff() {
    if (state.signingOff) return;
    if (!send({ type: 'logout' })) {
      staff.signOut(); // not connected: the presence expires and the chats are requeued anyway
      return;
    }
    state.signingOff = true;
    ui.logout.disabled = true;
    setConnection('Signing off…');
    clearTimeout(state.signOffTimer);
    state.signOffTimer = setTimeout(() => staff.signOut(), SIGN_OFF_WAIT_MS);
  }

  /* ---------- supervising: agents, transfer and assignment ---------- */

  function isSupervisor() {
    return state.agent != null && SUPERVISOR_ROLES.has(state.agent.role);
  }

  function setUpSupervising() {
    ui.agentsPanel.hidden = !isSupervisor();
    desk.cannedEditor.show(isSupervisor());
    clearInterval(state.agentsPoller);
    state.agentsPoller = null;
    if (!isSupervisor()) return;
    state.agentsPoller = setInterval(scheduleAgentsRefresh, AGENTS_POLL_MS);
    scheduleAgentsRefresh();
  }

  // Throttled: a burst of presence and session events costs one request a second at most,
  // and the last event of a burst is always followed by a fresh list.
  function scheduleAgentsRefresh() {
    if (!isSupervisor() || state.agentsTimer) return;
    const wait = Math.max(0, state.agentsFetchedAt + AGENTS_REFRESH_MS - Date.now());
    state.agentsTimer = setTimeout(() => {
      state.agentsTimer = null;
      loadAgents();
    }, wait);
  }

  async function loadAgents() {
    state.agentsFetchedAt = Date.now();
    const request = ++state.agentsRequest;
    const body = await apiGet('/api/handoff/agents');
    if (request !== state.agentsRequest || !Array.isArray(body)) return;
    state.agents = body.filter((a) => a && a.id != null);
    renderAgents();
    renderTransferOptions();
    updateControls();
  }

  const PRESENCE_ORDER = { online: 0, away: 1, offline: 2 };

  function sortedAgents() {
    return [...state.agents].sort((a, b) => (PRESENCE_ORDER[a.presence] ?? 3) - (PRESENCE_ORDER[b.presence] ?? 3)
      || String(a.name || a.id).localeCompare(String(b.name || b.id)));
  }

  function agentLabel(agent) {
    const name = String(agent.name || agent.id);
    return state.agent && sameId(agent.id, state.agent.id) ? `${name} (you)` : name;
  }

  function renderAgents() {
    const agents = sortedAgents();
    ui.agentsList.replaceChildren(...agents.map((agent) => {
      const presence = ['online', 'away', 'offline'].includes(agent.presence) ? agent.presence : 'offline';
      const load = Number(agent.load) || 0;
      const capacity = Number(agent.capacity) || 0;
      return h('li', { class: 'agent-row', 'data-agent-id': String(agent.id), 'data-presence': presence }, [
        h('span', { class: 'agent-row-name' }, [
          h('span', { class: 'agent-row-label', text: agentLabel(agent) }),
          agent.role && agent.role !== 'agent' ? h('span', { class: 'agent-row-role', text: humanize(agent.role) }) : null,
        ]),
        h('span', { class: 'presence-badge', 'data-presence': presence, text: humanize(presence) }),
        h('span', {
          class: `agent-row-load${capacity && load >= capacity ? ' is-full' : ''}`,
          title: 'Chats held / capacity',
          text: `${load}/${capacity || '–'}`,
        }),
      ]);
    }));
    const online = agents.filter((a) => a.presence === 'online').length;
    ui.agentsCount.textContent = agents.length ? `${online} online` : '';
    ui.agentsEmpty.hidden = agents.length > 0;
  }

  // Queues for everyone; agents too for supervisors and admins (an offline agent
  // cannot take a chat, so they are listed but not selectable).
  function renderTransferOptions() {
    const previous = ui.transferSelect.value;
    const options = [h('option', { value: '', text: 'Transfer to…' })];
    if (state.config.queues.length > 0) {
      options.push(h('optgroup', { label: 'Queues' }, state.config.queues.map((queue) => (
        h('option', { value: `queue:${queue}`, text: `${humanize(queue)} queue` })
      ))));
    }
    if (isSupervisor() && state.agents.length > 0) {
      options.push(h('optgroup', { label: 'Agents' }, sortedAgents().map((agent) => {
        const presence = agent.presence || 'offline';
        return h('option', {
          value: `agent:${agent.id}`,
          text: `${agentLabel(agent)} — ${presence}, ${Number(agent.load) || 0}/${Number(agent.capacity) || '–'}`,
          disabled: presence === 'offline',
        });
      })));
    }
    ui.transferSelect.replaceChildren(...options);
    const still = [...ui.transferSelect.options].some((o) => o.value === previous && !o.disabled);
    ui.transferSelect.value = still ? previous : '';
  }

  function canTransfer() {
    if (state.currentId === null) return false;
    if (holdsCurrent()) return true;
    // Supervisors may move any open handoff, and assign a waiting one to an agent.
    return isSupervisor() && (state.currentState === 'queued' || state.currentState === 'assigned');
  }

  function transferCurrent() {
    const choice = ui.transferSelect.value;
    if (!canTransfer() || choice === '') return;
    const frame = { type: 'transfer', session_id: state.currentId };
    if (choice.startsWith('queue:')) frame.to_queue = choice.slice('queue:'.length);
    else if (choice.startsWith('agent:')) frame.to_agent_id = choice.slice('agent:'.length);
    else return;
    if (holdsCurrent()) stopTyping();
    if (sendOrComplain(frame)) {
      ui.transferSelect.value = '';
      updateControls();
    }
  }

  /* ---------- notifications (notify.js) ---------- */

  // The agent's alert choices are theirs, kept in this browser across sign-ins (localStorage).
  function localStore() {
    try {
      return window.localStorage;
    } catch {
      return null; // storage disabled: the defaults, for this page's lifetime
    }
  }

  const notifier = new Notifier({
    store: localStore(),
    controls: {
      sound: $('notify-sound'), desktop: $('notify-desktop'), title: $('notify-title'), waiting: $('notify-waiting'),
      permission: $('notify-permission'), permissionText: $('notify-permission-text'), allow: $('notify-allow'),
    },
    onOpen: (id) => { if (state.agent) openSession(id); },
  });

  // A chat given to us opens by itself when nothing else is open; a customer's message in one of
  // our chats flags it in the queue. The notifier decides how to tell the agent.
  function onNotify(frame) {
    const id = String(frame.session_id);
    if (frame.kind === 'assigned' && state.currentId === null) openSession(id);
    if (frame.kind === 'message' && id !== state.currentId) {
      state.unread.add(id);
      renderQueue();
    }
    const looking = id === state.currentId && !document.hidden && document.hasFocus();
    notifier.notify(frame, { looking });
  }

  /* ---------- start ---------- */

  ui.replyForm.addEventListener('submit', onReplySubmit);
  ui.replyInput.addEventListener('keydown', submitOnEnter(ui.replyForm));
  ui.replyInput.addEventListener('input', onReplyInput);
  ui.replyInput.addEventListener('blur', stopTyping);
  ui.replyInternal.addEventListener('change', () => {
    ui.replyForm.classList.toggle('is-internal', ui.replyInternal.checked);
    onReplyInput();
  });
  ui.resolve.addEventListener('click', resolveCurrent);
  ui.handback.addEventListener('click', handBackCurrent);
  ui.presence.addEventListener('change', onPresenceChange);
  ui.queueFilter.addEventListener('change', onQueueFilterChange);
  ui.transferSelect.addEventListener('change', updateControls);
  ui.transfer.addEventListener('click', transferCurrent);

  staff.start(); // opens the console at once if this tab is still signed in
}
