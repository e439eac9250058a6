/*
 * What the staff pages share (agent console, knowledge base, service dashboard, NLU retraining): the sign-in form of
 * templates/staff_base.html, the token kept in sessionStorage for this tab, and API requests with it.
 * Loaded before the page's own script, which uses it like this:
 *
 *   const staff = TandemStaff.page({
 *     key: 'content',                    // kept as tandem.content_token, tandem.content_name, tandem.content_role
 *     refuse: (role) => '' or why an account with this role cannot use the page,
 *     enter: (account) => { ... },       // signed in, or a token was kept: account is { name, role }
 *     leave: () => { ... },              // signed out: stop timers, forget what was shown
 *     signOff: () => { ... },            // optional: what the sign-out button does first (default: signOut())
 *   });
 *   const data = await staff.api(path, { method: 'POST', json: {...} });   // the JSON answer
 *   const response = await staff.request(path);                             // the Response (blobs)
 *   staff.token();                                                           // the bearer token, or null
 *   staff.start();                                                           // last, once all is defined
 *
 * A request that the API refuses throws a TandemStaff.ApiError whose message is the API's `detail`;
 * a 401 also signs out (with TandemStaff.SESSION_EXPIRED). TandemStaff.storage is this tab's sessionStorage,
 * safe to use where storage is disabled. Text from the server goes into the page through textContent only.
 */
window.TandemStaff = (() => {
  'use strict';

  const SESSION_EXPIRED = 'Your session has expired; please sign in again.';

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

  async function requestToken(username, password) {
    let response;
    try {
      response = await fetch('/api/auth/token', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
    } catch {
      throw new Error('Cannot reach the server.');
    }
    const body = await response.json().catch(() => null);
    if (response.status === 401) throw new Error('Wrong username or password.');
    if (!response.ok) throw new Error(describe(body) || `Sign-in failed (HTTP ${response.status}).`);
    if (!body || typeof body.access_token !== 'string') throw new Error('Unexpected answer from the server.');
    return body;
  }

  function page({ key, refuse = () => '', enter, leave = () => {}, signOff = null }) {
    const keys = { token: `tandem.${key}_token`, name: `tandem.${key}_name`, role: `tandem.${key}_role` };
    const $ = (id) => document.getElementById(id);
    const ui = {
      loginView: $('login-view'), form: $('login-form'), username: $('login-username'),
      password: $('login-password'), submit: $('login-submit'), error: $('login-error'),
      appView: $('app-view'), sessionBar: $('session-bar'), logout: $('logout-btn'),
      name: document.querySelector('#session-bar .session-name'),
    };
    const token = storage.get(keys.token);
    let current = token ? { token, name: storage.get(keys.name) || '', role: storage.get(keys.role) || '' } : null;

    function showLoginError(text) {
      ui.error.textContent = text;
      ui.error.hidden = !text;
    }

    function show(signedIn) {
      ui.loginView.hidden = signedIn;
      ui.appView.hidden = !signedIn;
      ui.sessionBar.hidden = !signedIn;
    }

    function open() {
      show(true);
      ui.name.textContent = current.name;
      enter({ name: current.name, role: current.role });
    }

    async function signInAs(username, password) {
      const answer = await requestToken(username, password);
      const refusal = refuse(answer.role);
      if (refusal) throw new Error(refusal);
      current = { token: answer.access_token, name: answer.name || username, role: answer.role };
      storage.set(keys.token, current.token);
      storage.set(keys.name, current.name);
      storage.set(keys.role, current.role);
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
      try {
        await signInAs(username, ui.password.value);
      } catch (error) {
        showLoginError(error.message);
        return;
      } finally {
        ui.submit.disabled = false;
      }
      ui.password.value = '';
      open();
    }

    /** Forgets the token and shows the sign-in form, with `message` above it if there is one. */
    function signOut(message = '') {
      current = null;
      for (const name of Object.values(keys)) storage.remove(name);
      leave();
      show(false);
      showLoginError(message);
      ui.username.focus();
    }

    async function request(path, { method = 'GET', json } = {}) {
      const headers = { Authorization: `Bearer ${current ? current.token : ''}` };
      if (json !== undefined) headers['Content-Type'] = 'application/json';
      const response = await fetch(path, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
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

    function start() {
      ui.form.addEventListener('submit', signIn);
      ui.logout.addEventListener('click', () => (signOff ? signOff() : signOut()));
      if (current) open();
      else ui.username.focus();
    }

    const currentToken = () => (current ? current.token : null);
    return { api, request, signOut, start, token: currentToken, signedIn: () => current !== null };
  }

  return { page, ApiError, describe, storage, SESSION_EXPIRED };
})();
