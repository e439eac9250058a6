/*
 * Tandem chat widget: the entry point of /static/widget.js (built by `make setup` into one script).
 *
 * Embed with:  <script src="/static/widget.js" defer></script>
 *
 * Speaks the customer side of docs/protocol.md over /ws/customer through the shared ChatSocket and
 * MessageLedger (bot/js/shared/). Everything that comes from the server or the customer is put into
 * the page with textContent only (shared/dom.js); a bot answer's `html` is rebuilt from an allow-list.
 *
 * Small public API for the host page: window.Tandem.open() / .close(), and any
 * element with a `data-tandem-open` attribute opens the chat when clicked.
 */
import { h, newClientId, safeRichText, submitOnEnter } from '../shared/dom.js';
import { MessageLedger } from '../shared/ledger.js';
import { ChatSocket, byType, socketUrl } from '../shared/socket.js';
import { RemoteTyping, TypingSignal } from '../shared/typing.js';
import { BOT_LABEL, marks, renderMessage } from './messages.js';

// The script was included twice: the first copy runs the widget.
if (!window.Tandem) startWidget();

function startWidget() {
  const STORAGE_TOKEN = 'tandem.session_token';
  const STORAGE_LAST_ID = 'tandem.last_message_id';
  const STORAGE_RATED = 'tandem.rated_session'; // the session already rated, so a reload does not ask again
  const MAX_COMMENT = 2000;
  const MAX_TEXT = 2000; // the server refuses longer messages (text_too_long)
  const REMOTE_TYPING_TIMEOUT_MS = 15000; // hide a typing indicator whose "off" got lost
  const ERROR_VISIBLE_MS = 10000;
  const RECONNECTING_WITH_MESSAGES = 'Reconnecting… your messages will be sent when we are back.';

  // The socket goes to the server that served this script, so the widget also
  // works when embedded on another site (the server checks the Origin).
  const scriptEl = document.currentScript || document.querySelector('script[src*="widget.js"]');
  const scriptUrl = new URL(scriptEl && scriptEl.src ? scriptEl.src : '/static/widget.js', location.href);
  const SOCKET_URL = socketUrl(scriptUrl, '/ws/customer');
  const CSS_URL = new URL('widget.css', scriptUrl).href;

  /* ---------- storage (localStorage can throw: private mode, blocked cookies) ---------- */

  const store = {
    get(key) {
      try { return localStorage.getItem(key); } catch { return null; }
    },
    set(key, value) {
      try { localStorage.setItem(key, value); } catch { /* keep working without persistence */ }
    },
    remove(key) {
      try { localStorage.removeItem(key); } catch { /* ignore */ }
    },
  };

  /* ---------- state ---------- */

  // What is on screen, and the customer's messages not yet acknowledged (re-sent after a reconnect).
  const ledger = new MessageLedger();

  const state = {
    started: false, // the first open of the panel starts the connection
    ended: false,
    isOpen: false,
    sessionId: null,
    token: store.get(STORAGE_TOKEN),
    // A fresh page has an empty transcript, so its first hello asks for the whole history;
    // reconnects within the page then ask only for what came after the last message shown.
    lastMessageId: null,
    agentName: null,
    errorTimer: null,
    unread: 0,
    sessionState: null, // bot, queued, assigned or closed, from `session` and `state` frames
    contactLeft: false, // an offline ticket was left for this session (contact_left)
    queueOffline: null, // while queued: nobody available (true) or someone is (false), from `state`
    pendingContact: null, // {clientId, contact, text}: a `contact` frame not yet answered by `ack`
    rating: 0, // the score picked in the rating form (1-5), 0 before
    pendingRating: null, // a `rate` frame not yet answered by `rated`; resent after a reconnect
  };

  /* ---------- icons ---------- */

  function svgIcon(pathData) {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', pathData);
    svg.append(path);
    return svg;
  }

  const ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
  const ICON_CLOSE = 'M6 6l12 12M18 6L6 18';

  /* ---------- building the widget ---------- */

  const ui = {};

  function buildWidget() {
    ui.badge = h('span', { class: 'tandem-badge', 'aria-hidden': 'true', hidden: true });
    ui.launcher = h('button', {
      id: 'tandem-launcher', type: 'button', class: 'tandem-launcher',
      'aria-label': 'Open chat', 'aria-expanded': 'false', 'aria-controls': 'tandem-panel',
      onclick: togglePanel,
    }, [svgIcon(ICON_CHAT), ui.badge]);

    const closeButton = h('button', {
      type: 'button', class: 'tandem-close', 'aria-label': 'Close chat', onclick: closePanel,
    }, [svgIcon(ICON_CLOSE)]);

    const header = h('header', { class: 'tandem-header' }, [
      h('div', {}, [
        h('h2', { id: 'tandem-title', class: 'tandem-title', text: 'Lumen Labs support' }),
        h('p', { class: 'tandem-subtitle', text: 'Ask our assistant, or ask for a person' }),
      ]),
      closeButton,
    ]);

    ui.statusText = h('span', { class: 'tandem-status__text' });
    ui.cancelHandoff = h('button', {
      id: 'tandem-cancel-handoff', type: 'button', class: 'tandem-status__cancel', hidden: true,
      text: 'Back to the assistant', onclick: cancelHandoff,
    });
    ui.status = h('div', { id: 'tandem-status', class: 'tandem-status', hidden: true }, [
      h('span', { role: 'status', class: 'tandem-status__live' }, [ui.statusText]),
      ui.cancelHandoff,
    ]);
    ui.contactBox = buildContactForm();
    // A list of messages announced as they arrive (aria-live; role="log" would hide the list from assistive tech and
    // leave its items orphaned).
    // It scrolls, so it takes focus: keyboard users scroll it with the arrow keys.
    ui.transcript = h('ol', {
      id: 'tandem-transcript', class: 'tandem-transcript', 'aria-live': 'polite', 'aria-label': 'Conversation',
      tabindex: '0',
    });
    ui.typing = h('div', { id: 'tandem-typing', class: 'tandem-typing', 'aria-live': 'polite', hidden: true });

    ui.newChat = h('button', {
      id: 'tandem-new', type: 'button', class: 'tandem-button tandem-button--primary',
      text: 'Start a new chat', onclick: startNewChat,
    });
    ui.endedBox = h('div', { id: 'tandem-ended', class: 'tandem-ended', hidden: true }, [
      h('p', { text: 'This conversation has ended.' }),
      buildRatingForm(),
      ui.reference = h('p', { id: 'tandem-reference', class: 'tandem-reference' }),
      ui.newChat,
    ]);

    ui.error = h('p', { id: 'tandem-error', class: 'tandem-error', role: 'alert', hidden: true });

    ui.input = h('textarea', {
      id: 'tandem-input', class: 'tandem-input', rows: 1, maxlength: MAX_TEXT,
      placeholder: 'Type your message…', autocomplete: 'off',
      oninput: onComposerInput, onkeydown: (event) => submitOnEnter(ui.composer)(event), onblur: stopTyping,
    });
    ui.send = h('button', { id: 'tandem-send', type: 'submit', class: 'tandem-send', text: 'Send' });
    ui.composer = h('form', { class: 'tandem-composer', onsubmit: onComposerSubmit }, [
      h('label', { for: 'tandem-input', class: 'tandem-sr-only', text: 'Your message' }),
      ui.input,
      ui.send,
    ]);

    ui.connection = h('span', { id: 'tandem-connection', class: 'tandem-connection', 'aria-live': 'polite' });
    ui.end = h('button', {
      id: 'tandem-end', type: 'button', class: 'tandem-link-button', text: 'End chat', onclick: endChat,
    });
    const footer = h('div', { class: 'tandem-footer' }, [ui.connection, ui.end]);

    ui.panel = h('section', {
      id: 'tandem-panel', class: 'tandem-panel', role: 'dialog', 'aria-labelledby': 'tandem-title', hidden: true,
      onkeydown: (event) => { if (event.key === 'Escape') closePanel(); },
    }, [header, ui.status, ui.transcript, ui.typing, ui.contactBox, ui.endedBox, ui.error, ui.composer, footer]);

    ui.root = h('div', { id: 'tandem-root', class: 'tandem' }, [ui.panel, ui.launcher]);
    document.body.append(ui.root);
  }

  // After the conversation: a 1-5 rating and an optional comment (the `rate` frame).
  function buildRatingForm() {
    ui.stars = [1, 2, 3, 4, 5].map((score) => h('button', {
      type: 'button', class: 'tandem-rating__score', 'data-score': score, 'aria-pressed': 'false',
      'aria-label': `${score} out of 5`, text: String(score), onclick: () => pickRating(score),
    }));
    ui.ratingComment = h('textarea', {
      id: 'tandem-rating-comment', class: 'tandem-rating__comment', rows: 2, maxlength: MAX_COMMENT,
      placeholder: 'Anything to add? (optional)',
    });
    ui.ratingSend = h('button', {
      id: 'tandem-rating-send', type: 'submit', class: 'tandem-button tandem-button--primary', text: 'Send rating',
      disabled: true,
    });
    ui.ratingForm = h('form', { id: 'tandem-rating', class: 'tandem-rating', onsubmit: onRatingSubmit }, [
      h('p', { id: 'tandem-rating-label', class: 'tandem-rating__label', text: 'How did we do? 1 is poor, 5 is great.' }),
      h('div', { class: 'tandem-rating__scores', role: 'group', 'aria-labelledby': 'tandem-rating-label' }, ui.stars),
      h('label', { for: 'tandem-rating-comment', class: 'tandem-sr-only', text: 'Comment' }),
      ui.ratingComment,
      ui.ratingSend,
    ]);
    ui.ratingThanks = h('p', { id: 'tandem-rating-thanks', class: 'tandem-rating__thanks', hidden: true,
      text: 'Thank you for your feedback!' });
    return h('div', {}, [ui.ratingForm, ui.ratingThanks]);
  }

  function pickRating(score) {
    state.rating = score;
    for (const star of ui.stars) star.setAttribute('aria-pressed', String(Number(star.dataset.score) === score));
    ui.ratingSend.disabled = false;
  }

  function onRatingSubmit(event) {
    event.preventDefault();
    if (!state.rating || state.pendingRating) return;
    const comment = ui.ratingComment.value.trim();
    state.pendingRating = { type: 'rate', score: state.rating, comment: comment || null };
    ui.ratingSend.disabled = true;
    if (send(state.pendingRating)) return;
    if (!client.active) client.connect(); // the server may have closed the finished chat: resume it to rate
  }

  function onRated() {
    state.pendingRating = null;
    if (state.sessionId) store.set(STORAGE_RATED, state.sessionId);
    showRatingDone(true);
  }

  function showRatingDone(done) {
    ui.ratingForm.hidden = done;
    ui.ratingThanks.hidden = !done;
  }

  function resetRating() {
    state.rating = 0;
    state.pendingRating = null;
    ui.ratingComment.value = '';
    ui.ratingSend.disabled = true;
    for (const star of ui.stars) star.setAttribute('aria-pressed', 'false');
    showRatingDone(false);
  }

  // The widget stays invisible until its stylesheet has loaded, so the page
  // never shows an unstyled launcher for a moment.
  function loadStylesheet() {
    const reveal = () => { ui.root.style.visibility = ''; };
    const existing = document.querySelector(`link[data-tandem-css], link[href="${CSS_URL}"]`);
    if (existing && existing.sheet) return;
    ui.root.style.visibility = 'hidden';
    const link = existing || h('link', { rel: 'stylesheet', href: CSS_URL, 'data-tandem-css': true });
    link.addEventListener('load', reveal);
    link.addEventListener('error', reveal); // better unstyled than missing
    setTimeout(reveal, 3000); // and never stay hidden for good
    if (!existing) document.head.append(link);
  }

  /* ---------- opening and closing ---------- */

  function openPanel() {
    state.isOpen = true;
    ui.panel.hidden = false;
    ui.launcher.setAttribute('aria-expanded', 'true');
    ui.root.classList.add('is-open');
    setUnread(0);
    if (!state.started) {
      state.started = true;
      client.connect();
    }
    scrollToEnd(true);
    if (!ui.input.disabled) ui.input.focus();
  }

  function closePanel() {
    state.isOpen = false;
    ui.panel.hidden = true;
    ui.launcher.setAttribute('aria-expanded', 'false');
    ui.root.classList.remove('is-open');
    stopTyping();
    ui.launcher.focus();
  }

  function togglePanel() {
    if (state.isOpen) closePanel();
    else openPanel();
  }

  function setUnread(count) {
    state.unread = count;
    ui.badge.hidden = count === 0;
    ui.badge.textContent = count > 9 ? '9+' : String(count);
  }

  /* ---------- connection ---------- */

  // The socket goes to the server that served this script; hello binds (or resumes) the session.
  const client = new ChatSocket({
    url: SOCKET_URL,
    greeting: () => ({ type: 'hello', session_token: state.token, last_message_id: state.lastMessageId }),
    onFrame: byType({
      session: onSession, message: onMessage, ack: onAck, state: applyState, typing: (frame) => remoteTyping.update(frame),
      ended: onEnded, rated: onRated, error: onErrorFrame,
    }),
    onClosed: onSocketClosed,
    onStatus: showSocketStatus,
    wanted: () => state.started && !state.ended,
  });

  const send = (frame) => client.send(frame); // frames other than hello only make sense once the session is bound

  function showSocketStatus(status) {
    if (status === 'connecting') setConnection('Connecting…');
    else if (status === 'waiting' && ledger.unsent.size > 0) setConnection(RECONNECTING_WITH_MESSAGES);
    else setConnection('Reconnecting…');
  }

  // True to reconnect.
  function onSocketClosed(event) {
    hideRemoteTyping();
    if (event.code === 4403) { // origin_not_allowed: retrying cannot help
      setConnection('Chat is not available on this site.');
      return false;
    }
    if (event.code === 4404) { // session_invalid: the stored session is gone, start afresh
      forgetSession();
      clearTranscript();
      showError('Your previous conversation has expired, so we started a new one.');
    }
    if (state.ended && !state.pendingRating) { // the server closes finished conversations; nothing to resume
      setConnection('');
      return false;
    }
    return true;
  }

  function setConnection(text) {
    ui.connection.textContent = text;
  }

  /* ---------- incoming frames ---------- */

  function onSession(frame) {
    // A different session than the one on screen: its transcript is not ours.
    if (state.sessionId && frame.session_id !== state.sessionId) {
      clearTranscript();
      state.lastMessageId = null;
      store.remove(STORAGE_LAST_ID);
    }
    state.sessionId = frame.session_id;
    showGreeting(frame.greeting);
    if (frame.session_token) {
      state.token = frame.session_token;
      store.set(STORAGE_TOKEN, frame.session_token);
    }
    client.bound();
    setConnection('');
    if (frame.state) applyState({ state: frame.state });
    ledger.resend(send); // in the order typed; the server ignores a client_id it has already stored
    if (state.pendingContact) sendContactFrame(state.pendingContact); // its ack was lost with the old socket
    if (state.pendingRating) client.sendRaw(state.pendingRating);
  }

  // The configured greeting (Settings.widget_greeting) opens the transcript; it is not a stored message.
  function showGreeting(text) {
    const shown = ui.transcript.querySelector('.tandem-greeting');
    if (shown || typeof text !== 'string' || !text.trim()) return;
    ui.transcript.prepend(h('li', { class: 'tandem-msg tandem-msg--bot tandem-greeting', 'data-role': 'greeting' }, [
      h('div', { class: 'tandem-msg__label', text: BOT_LABEL }),
      h('div', { class: 'tandem-msg__text', text }),
    ]));
  }

  function onMessage(msg) {
    if (msg.internal) return; // internal notes are never for customers; be safe anyway
    const { kind, id, element } = ledger.receive(msg);
    rememberMessageId(id);
    if (kind === 'seen') return;
    if (kind === 'own') { // our own message coming back: upgrade the bubble we already drew
      marks.sent(element, id);
      return;
    }

    if (msg.role === 'agent' && msg.agent_name) state.agentName = msg.agent_name;
    if (msg.role === 'bot' || msg.role === 'agent') hideRemoteTyping();

    const shouldStick = isNearBottom();
    ui.transcript.append(renderMessage(msg, { choose }));
    scrollToEnd(shouldStick);
    if (!state.isOpen && msg.role !== 'customer') setUnread(state.unread + 1);
    if (msg.ask_contact) onAskContact();
  }

  function onAck(frame) {
    if (onContactAck(frame)) return;
    const own = ledger.acknowledge(frame.client_id, frame.id);
    if (own) marks.sent(own, frame.id);
    // Not advancing last_message_id here on purpose: replies stored before this
    // ack could still be on their way, and a replay is harmless (de-duplicated).
  }

  function applyState(frame) {
    state.sessionState = frame.state || null;
    ui.cancelHandoff.hidden = frame.state !== 'queued';
    if (frame.state !== 'queued') {
      ui.cancelHandoff.disabled = false;
      state.queueOffline = null;
      hideContactBox();
    }
    switch (frame.state) {
      case 'queued':
        showStatus(queueStatusText(frame));
        updateContactForm(frame);
        break;
      case 'assigned':
        if (frame.agent_name) state.agentName = frame.agent_name;
        showStatus(`You are chatting with ${state.agentName || 'a member of our team'}`);
        break;
      case 'closed':
        onEnded();
        break;
      default: // 'bot'
        showStatus('');
    }
  }

  function showStatus(text) {
    ui.statusText.textContent = text;
    ui.status.hidden = text === '';
  }

  // "Lumen assistant is typing…" or the agent's name, until a reply comes.
  const remoteTyping = new RemoteTyping({
    show: (frame) => {
      const who = frame.role === 'agent' ? (state.agentName || 'An agent') : BOT_LABEL;
      ui.typing.textContent = `${who} is typing…`;
      ui.typing.hidden = false;
    },
    hide: () => {
      ui.typing.hidden = true;
      ui.typing.textContent = '';
    },
    timeoutMs: REMOTE_TYPING_TIMEOUT_MS,
  });

  function hideRemoteTyping() {
    remoteTyping.hide();
  }

  function onEnded() {
    if (state.ended) return;
    state.ended = true;
    stopTyping();
    hideRemoteTyping();
    showStatus('');
    // Anything still unacknowledged can no longer be delivered.
    for (const [clientId, own] of ledger.abandon()) markFailed(own, clientId, false);
    setComposerEnabled(false);
    showRatingDone(state.sessionId !== null && store.get(STORAGE_RATED) === state.sessionId);
    ui.reference.textContent = state.sessionId ? `Conversation reference: ${state.sessionId}` : '';
    ui.endedBox.hidden = false;
    setConnection('');
    // The rating comes next: focus its first score (or, once rated, the new-chat button), not past it.
    if (state.isOpen) (ui.ratingForm.hidden ? ui.newChat : ui.stars[0]).focus();
  }

  function onErrorFrame(frame) {
    if (onWaitingError(frame)) return; // shown in the contact form instead
    showError(frame.detail || 'Something went wrong.');
    if (state.pendingRating && !frame.ref) { // the rating was refused; let the customer try again
      state.pendingRating = null;
      ui.ratingSend.disabled = !state.rating;
    }
    // An error about one of our messages (too long, rate limited…): it was not stored.
    const own = ledger.refuse(frame.ref);
    if (own) markFailed(own, frame.ref, true);
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = false;
    clearTimeout(state.errorTimer);
    state.errorTimer = setTimeout(() => {
      ui.error.hidden = true;
      ui.error.textContent = '';
    }, ERROR_VISIBLE_MS);
  }

  // The last transcript id seen, so a reconnect asks only for what came after it.
  function rememberMessageId(id) {
    if (id === null) return;
    state.lastMessageId = id;
    store.set(STORAGE_LAST_ID, id);
  }

  /* ---------- waiting for a person: place in the queue, going back, offline contact ---------- */

  // The server's estimate in seconds, in words ("about 3 min").
  function formatWait(seconds) {
    if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
    if (seconds < 45) return 'less than a minute';
    const minutes = Math.round(seconds / 60);
    if (minutes < 90) return `about ${Math.max(1, minutes)} min`;
    return `about ${Math.round(minutes / 60)} h`;
  }

  // `state` frames while queued carry the position and estimate (refreshed every 15 s).
  function queueStatusText(frame) {
    const parts = [];
    if (Number.isInteger(frame.position) && frame.position > 0) {
      parts.push(`You are number ${frame.position} in the queue.`);
    }
    if (frame.offline) {
      parts.push(frame.contact_left || state.contactLeft
        ? 'We have your details and will get back to you.'
        : 'Nobody from our team is available right now.');
    } else if (parts.length > 0) {
      const wait = formatWait(frame.estimated_wait_s);
      if (wait) parts.push(`Estimated wait: ${wait}.`);
    }
    return parts.length > 0 ? parts.join(' ') : 'Connecting you to a person…';
  }

  function cancelHandoff() {
    if (state.sessionState !== 'queued' || state.ended) return;
    if (!send({ type: 'cancel_handoff' })) {
      showError('You are offline right now. Please try again in a moment.');
      return;
    }
    ui.cancelHandoff.disabled = true; // until the state changes, or an error comes back
  }

  // Nobody is available: the customer leaves an e-mail address or phone number and
  // their question (the `contact` frame); the server checks the contact.
  function buildContactForm() {
    ui.contactInput = h('input', {
      id: 'tandem-contact', class: 'tandem-contact__field', type: 'text', maxlength: 254, required: true,
      autocomplete: 'email', spellcheck: 'false', placeholder: 'you@example.com or +44 20 7946 0000',
    });
    ui.contactQuestion = h('textarea', {
      id: 'tandem-contact-question', class: 'tandem-contact__field', rows: 2, maxlength: MAX_TEXT, required: true,
      placeholder: 'What can we help you with?',
    });
    ui.contactError = h('p', { id: 'tandem-contact-error', class: 'tandem-contact__error', role: 'alert', hidden: true });
    ui.contactSubmit = h('button', {
      id: 'tandem-contact-submit', type: 'submit', class: 'tandem-button tandem-button--primary', text: 'Send',
    });
    ui.contactForm = h('form', {
      id: 'tandem-contact-form', class: 'tandem-contact__form', novalidate: true, onsubmit: onContactSubmit,
    }, [
      h('p', { class: 'tandem-contact__title', text: 'Leave a message for our team' }),
      h('label', { for: 'tandem-contact', text: 'E-mail address or phone number' }),
      ui.contactInput,
      h('label', { for: 'tandem-contact-question', text: 'Your question' }),
      ui.contactQuestion,
      ui.contactError,
      ui.contactSubmit,
    ]);
    ui.contactThanks = h('p', { id: 'tandem-contact-thanks', class: 'tandem-contact__thanks', role: 'status', hidden: true });
    return h('div', { id: 'tandem-contact-box', class: 'tandem-contact', hidden: true }, [ui.contactForm, ui.contactThanks]);
  }

  // A message with `ask_contact`: the bot or the server asks an offline customer for a contact.
  function onAskContact() {
    if (state.sessionState === 'queued' && !state.contactLeft && state.queueOffline !== false) showContactForm();
  }

  // The server sends `offline` afresh whenever an agent's presence changes: the form comes and goes with it.
  function updateContactForm(frame) {
    if (typeof frame.offline === 'boolean') state.queueOffline = frame.offline;
    if (frame.contact_left) state.contactLeft = true;
    if (state.contactLeft) {
      // Left before this page was loaded: the state frame says where we will answer.
      if (ui.contactThanks.hidden && typeof frame.contact === 'string' && frame.contact !== '') {
        showContactThanks(frame.contact);
      } else if (ui.contactThanks.hidden) {
        hideContactBox();
      }
    } else if (frame.offline === true) {
      showContactForm();
    } else if (frame.offline === false && !state.pendingContact) {
      hideContactBox(); // someone came online: the customer waits for them instead
    }
  }

  function showContactThanks(contact) {
    ui.contactForm.hidden = true;
    ui.contactThanks.textContent = `Thanks — we'll get back to you at ${contact}.`;
    ui.contactThanks.hidden = false;
    ui.contactBox.hidden = false;
  }

  function showContactForm() {
    ui.contactForm.hidden = false;
    ui.contactThanks.hidden = true;
    ui.contactBox.hidden = false;
  }

  function hideContactBox() {
    ui.contactBox.hidden = true;
  }

  function resetContact() {
    state.contactLeft = false;
    state.pendingContact = null;
    ui.contactInput.value = '';
    ui.contactQuestion.value = '';
    ui.contactThanks.textContent = '';
    setContactSending(false);
    showContactError('');
    showContactForm();
    hideContactBox();
  }

  function showContactError(text) {
    ui.contactError.textContent = text;
    ui.contactError.hidden = !text;
  }

  function setContactSending(sending) {
    ui.contactSubmit.disabled = sending;
    ui.contactSubmit.textContent = sending ? 'Sending…' : 'Send';
  }

  function onContactSubmit(event) {
    event.preventDefault();
    if (state.pendingContact || state.ended) return;
    const contact = ui.contactInput.value.trim();
    const text = ui.contactQuestion.value.trim();
    if (contact === '') {
      showContactError('Enter your e-mail address or phone number.');
      ui.contactInput.focus();
      return;
    }
    if (text === '') {
      showContactError('Enter your question.');
      ui.contactQuestion.focus();
      return;
    }
    if (text.length > MAX_TEXT) {
      showContactError(`Your question can be at most ${MAX_TEXT} characters long.`);
      return;
    }
    showContactError('');
    state.pendingContact = { clientId: newClientId(), contact, text };
    setContactSending(true);
    // Offline: sent again when the session is back (the server de-duplicates by client_id).
    if (!sendContactFrame(state.pendingContact)) setConnection('Reconnecting… your details will be sent when we are back.');
  }

  function sendContactFrame(pending) {
    return send({ type: 'contact', client_id: pending.clientId, contact: pending.contact, text: pending.text });
  }

  // True when `frame` acknowledges the contact form. Its id is not marked as rendered,
  // so the question still appears in the transcript when its `message` comes.
  function onContactAck(frame) {
    const pending = state.pendingContact;
    if (!pending || frame.client_id !== pending.clientId) return false;
    state.pendingContact = null;
    state.contactLeft = true;
    setContactSending(false);
    showContactThanks(pending.contact);
    return true;
  }

  // True when the error is about the contact form (shown there): its `ref` is the pending
  // contact's client_id (validation errors echo it too). An error without `ref` while a
  // contact is pending is also taken to be about it (e.g. a frame refused as too large).
  function onWaitingError(frame) {
    if (!frame.ref) ui.cancelHandoff.disabled = false; // e.g. cancel_handoff after an agent took over
    const pending = state.pendingContact;
    if (!pending || (frame.ref && frame.ref !== pending.clientId)) return false;
    state.pendingContact = null;
    setContactSending(false);
    const detail = String(frame.detail || 'We could not take your details. Please check them and try again.');
    showContactError(detail.replace(/^contact:\s*contact:\s*/, ''));
    ui.contactInput.focus();
    return true;
  }

  /* ---------- suggested replies and failed messages ---------- */

  // A suggested reply: true when it was sent (the buttons are then disabled).
  function choose(payload) {
    if (state.ended) return false;
    if (!send({ type: 'choose', client_id: newClientId(), payload })) {
      showError('You are offline right now. Please try again in a moment.');
      return false;
    }
    return true;
  }

  function markFailed(item, clientId, canRetry) {
    const status = marks.failed(item);
    if (canRetry) {
      status.append(' · ', h('button', {
        type: 'button', class: 'tandem-link-button', text: 'Retry',
        onclick: () => retry(item, clientId),
      }));
    }
  }

  /* ---------- sending ---------- */

  function sendCustomerMessage(text) {
    const frame = { type: 'message', client_id: newClientId(), text };
    const item = renderMessage({ role: 'customer', text, ts: new Date().toISOString() });
    item.dataset.clientId = frame.client_id;
    marks.pending(item, 'Sending…');
    ui.transcript.append(item);
    scrollToEnd(true);

    ledger.expect(frame, item);
    send(frame);
    if (!client.ready) setConnection(RECONNECTING_WITH_MESSAGES);
  }

  function retry(item, clientId) {
    const frame = { type: 'message', client_id: clientId, text: item.querySelector('.tandem-msg__text').textContent };
    marks.pending(item, 'Sending…');
    ledger.expect(frame, item);
    send(frame);
  }

  function onComposerSubmit(event) {
    event.preventDefault();
    if (state.ended) return;
    const text = ui.input.value.trim();
    if (text === '') return;
    if (text.length > MAX_TEXT) {
      showError(`Messages can be at most ${MAX_TEXT} characters long.`);
      return;
    }
    stopTyping();
    sendCustomerMessage(text);
    ui.input.value = '';
    autoGrow();
    ui.input.focus();
  }

  function onComposerInput() {
    autoGrow();
    if (ui.input.value.trim() === '') stopTyping();
    else startTyping();
  }

  function autoGrow() {
    ui.input.style.height = 'auto';
    ui.input.style.height = `${Math.min(ui.input.scrollHeight, 120)}px`;
  }

  const typing = new TypingSignal((on) => send({ type: 'typing', on }));

  function startTyping() {
    typing.typed();
  }

  function stopTyping() {
    typing.stop();
  }

  function endChat() {
    if (state.ended) return;
    if (!send({ type: 'end' })) {
      showError('You are offline right now. Please try again in a moment.');
    }
  }

  /* ---------- starting over ---------- */

  function forgetSession() {
    state.token = null;
    state.lastMessageId = null;
    state.sessionId = null;
    store.remove(STORAGE_TOKEN);
    store.remove(STORAGE_LAST_ID);
  }

  function clearTranscript() {
    ui.transcript.replaceChildren();
    ledger.clearShown();
    state.agentName = null;
    showStatus('');
    resetContact();
  }

  function startNewChat() {
    client.disconnect(1000, 'new chat');
    forgetSession();
    clearTranscript();
    ledger.reset();
    state.ended = false;
    resetRating();
    ui.endedBox.hidden = true;
    setComposerEnabled(true);
    client.reconnectNow();
    ui.input.focus();
  }

  function setComposerEnabled(enabled) {
    ui.input.disabled = !enabled;
    ui.send.disabled = !enabled;
    ui.end.disabled = !enabled;
  }

  /* ---------- scrolling ---------- */

  function isNearBottom() {
    const t = ui.transcript;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 60;
  }

  // Only follow new messages when the reader is already at the bottom, so
  // scrolling back to read is not interrupted.
  function scrollToEnd(force) {
    if (force || isNearBottom()) ui.transcript.scrollTop = ui.transcript.scrollHeight;
  }

  /* ---------- start ---------- */

  function init() {
    buildWidget();
    loadStylesheet();
    document.addEventListener('click', (event) => {
      const trigger = event.target instanceof Element ? event.target.closest('[data-tandem-open]') : null;
      if (trigger) {
        event.preventDefault();
        openPanel();
      }
    });
  }

  // safeRichText is exposed so hosts (and the browser tests) can check what the widget would show.
  window.Tandem = { open: () => openPanel(), close: () => closePanel(), safeRichText };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
}
