/*
 * What the staff pages share (agent console, knowledge base, service dashboard, NLU retraining): one sign-in
 * for every page and tab of the browser (a session cookie the server sets, HttpOnly: scripts never see the
 * token), the navigation bar of templates/staff_base.html with the pages the role may open, and API requests.
 * Loaded before the page's own script, which uses it like this:
 *
 *   const staff = TandemStaff.page({
 *     refuse: (role) => '' or why an account with this role cannot use the page,
 *     enter: (account) => { ... },       // signed in (now or in another tab earlier): account is { name, role }
 *     leave: () => { ... },              // signed out: stop timers, forget what was shown
 *     signOff: () => { ... },            // optional: what the sign-out button does first (default: signOut())
 *   });
 *   const data = await staff.api(path, { method: 'POST', json: {...} });   // the JSON answer
 *   const response = await staff.request(path);                             // the Response (blobs)
 *   await staff.request(path, { method: 'POST', body: formData });           // an upload
 *   staff.session();                                                         // this sign-in (compare: same one?)
 *   staff.start();                                                           // last, once all is defined
 *
 * Requests carry the session cookie and the X-Requested-With header the server asks of cookie-signed
 * changes (CSRF). A request that the API refuses throws a TandemStaff.ApiError whose message is the API's
 * `detail`; a 401 also signs out (with TandemStaff.SESSION_EXPIRED). A page's further modules (e.g. content-stats.js)
 * share its sign-in: the document hears `tandem:enter` (detail: { account, staff }, staff being the handle above)
 * after enter(), and `tandem:leave` after leave().
 *
 * Also shared: TandemStaff.h(tag, { text, class, ...attributes }, children) builds an element (text through
 * textContent only); TandemStaff.today(zone) is today's date (YYYY-MM-DD) in a time zone (the service's, which
 * pages are told; the browser's own is not "today" for the figures); TandemStaff.addDays(day, n) moves a date. TandemStaff.storage is this tab's
 * sessionStorage, safe to use where storage is disabled. Text from the server goes in through textContent only.
 */
window.TandemStaff = (() => {
  'use strict';

  const SESSION_EXPIRED = 'Your session has expired; please sign in again.';
  const SESSION_URL = '/api/auth/session';
  const CSRF_HEADERS = { 'X-Requested-With': 'TandemStaff' };

  // sessionStorage may be unavailable (storage disabled): the page then works until it is reloaded.
  const storage = {
    get: (key) => { try { return sessionStorage.getItem(key); } catch { return null; } },
    set: (key, value) => { try { sessionStorage.setItem(key, value); } catch { /* not kept */ } },
    remove: (key) => { try { sessionStorage.removeItem(key); } catch { /* nothing was kept */ } },
  };

  /** The API refused a request: its HTTP status, and what its `detail` says as the message. */
  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.name = 'ApiError';
      this.status = status;
    }
  }

  // FastAPI answers {"detail": "..."}, or for invalid input (422) {"detail": [{"loc": [...], "msg": "..."}]}.
  function describe(body) {
    const detail = body && body.detail;
    if (typeof detail === 'string') return detail;
    if (!Array.isArray(detail)) return '';
    return detail.filter((d) => d && d.msg).map((d) => {
      const field = Array.isArray(d.loc) ? d.loc.slice(1).join('.') : '';
      return field ? `${field}: ${d.msg}` : d.msg;
    }).join('; ');
  }

  async function openSession(username, password) {
    let response;
    try {
      response = await fetch(SESSION_URL, {
        method: 'POST', headers: { 'Content-Type': 'application/json', ...CSRF_HEADERS },
        body: JSON.stringify({ username, password }),
      });
    } catch {
      throw new Error('Cannot reach the server.');
    }
    const body = await response.json().catch(() => null);
    if (response.status === 401) throw new Error('Wrong username or password.');
    if (!response.ok) throw new Error(describe(body) || `Sign-in failed (HTTP ${response.status}).`);
    if (!body || typeof body.role !== 'string') throw new Error('Unexpected answer from the server.');
    return body;
  }

  /** The session this browser holds ({ name, role, pages }), or null when nobody is signed in. */
  async function readSession() {
    try {
      const response = await fetch(SESSION_URL, { headers: CSRF_HEADERS });
      return response.ok ? await response.json() : null;
    } catch {
      return null;
    }
  }

  function closeSession() {
    return fetch(SESSION_URL, { method: 'DELETE', headers: CSRF_HEADERS }).catch(() => null);
  }

  /** The navigation bar: a link per page the role may open, the current one marked. */
  function showNavigation(pages) {
    const nav = document.getElementById('staff-nav');
    const list = document.getElementById('staff-nav-list');
    if (!nav || !list) return;
    list.replaceChildren(...(pages || []).map((page) => {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = page.path;
      link.textContent = page.title;
      if (page.path === window.location.pathname) link.setAttribute('aria-current', 'page');
      item.append(link);
      return item;
    }));
    nav.hidden = !pages || pages.length === 0;
  }

  function page({ refuse = () => '', enter, leave = () => {}, signOff = null }) {
    const $ = (id) => document.getElementById(id);
    const ui = {
      loginView: $('login-view'), form: $('login-form'), username: $('login-username'),
      password: $('login-password'), submit: $('login-submit'), error: $('login-error'),
      appView: $('app-view'), sessionBar: $('session-bar'), logout: $('logout-btn'),
      name: document.querySelector('#session-bar .session-name'),
    };
    let current = null; // { name, role } while signed in with a role this page accepts

    function showLoginError(text) {
      ui.error.textContent = text;
      ui.error.hidden = !text;
    }

    // signedIn: the page is open; a session whose role this page refuses keeps the bar (its pages, sign-out).
    function show(signedIn, hasSession = signedIn) {
      ui.loginView.hidden = signedIn;
      ui.appView.hidden = !signedIn;
      ui.sessionBar.hidden = !hasSession;
      if (!hasSession) showNavigation([]);
    }

    /** A session came (signed in now, or earlier in any tab): open the page, or say why it cannot. */
    function admit(session) {
      const name = session.name || session.username || '';
      showNavigation(session.pages);
      ui.name.textContent = name;
      const refusal = refuse(session.role);
      if (refusal) {
        current = null;
        show(false, true);
        showLoginError(refusal);
        ui.username.focus();
        return;
      }
      current = { name, role: session.role };
      showLoginError('');
      show(true);
      const account = { name: current.name, role: current.role };
      enter(account);
      document.dispatchEvent(new CustomEvent('tandem:enter', { detail: { account, staff: handle } }));
    }

    async function signIn(event) {
      event.preventDefault();
      const username = ui.username.value.trim();
      if (!username || !ui.password.value) {
        showLoginError('Enter your username and password.');
        return;
      }
      showLoginError('');
      ui.submit.disabled = true;
      let session;
      try {
        session = await openSession(username, ui.password.value);
      } catch (error) {
        showLoginError(error.message);
        return;
      } finally {
        ui.submit.disabled = false;
      }
      ui.password.value = '';
      admit(session);
    }

    /** Ends the session (every staff tab of this browser) and shows the sign-in form, with `message` above it. */
    function signOut(message = '') {
      const wasOpen = current !== null;
      current = null;
      closeSession();
      if (wasOpen) {
        leave();
        document.dispatchEvent(new CustomEvent('tandem:leave'));
      }
      show(false);
      showLoginError(message);
      ui.username.focus();
    }

    // `json`: an object sent as JSON; `body`: anything fetch sends as it is (FormData for uploads).
    async function request(path, { method = 'GET', json, body } = {}) {
      const headers = { ...CSRF_HEADERS };
      if (json !== undefined) headers['Content-Type'] = 'application/json';
      const payload = json === undefined ? body : JSON.stringify(json);
      const response = await fetch(path, { method, headers, body: payload });
      if (response.status === 401) {
        signOut(SESSION_EXPIRED);
        throw new ApiError(401, SESSION_EXPIRED);
      }
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        throw new ApiError(response.status, describe(body) || `The server answered HTTP ${response.status}.`);
      }
      return response;
    }

    const api = async (path, options) => (await request(path, options)).json();

    async function start() {
      ui.form.addEventListener('submit', signIn);
      ui.logout.addEventListener('click', () => (signOff ? signOff() : signOut()));
      const session = await readSession(); // the form stays hidden until it is known to be needed
      if (session) {
        admit(session);
      } else {
        show(false);
        ui.username.focus();
      }
    }

    // session(): an object that stands for this sign-in (a new one at each), null when signed out.
    const handle = { api, request, signOut, start, signedIn: () => current !== null, session: () => current };
    return handle;
  }

  /** An element with `props` (text: its textContent, class, else attributes; null/false ones left out) and children. */
  function h(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value == null || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'class') node.className = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  /** Today's date (YYYY-MM-DD) in time zone `zone` (the browser's when the zone is unknown to it). */
  function today(zone) {
    const options = { year: 'numeric', month: '2-digit', day: '2-digit' };
    let parts;
    try {
      parts = new Intl.DateTimeFormat('en-CA', { ...options, timeZone: zone }).formatToParts(new Date());
    } catch {
      parts = new Intl.DateTimeFormat('en-CA', options).formatToParts(new Date());
    }
    const part = (type) => parts.find((p) => p.type === type).value;
    return `${part('year')}-${part('month')}-${part('day')}`;
  }

  /** A calendar day `n` days after `day` (plain dates: no clock, so no time zone or DST involved). */
  function addDays(day, n) {
    const date = new Date(`${day}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() + n);
    return date.toISOString().slice(0, 10);
  }

  return { page, ApiError, describe, storage, SESSION_EXPIRED, h, today, addDays };
})();
