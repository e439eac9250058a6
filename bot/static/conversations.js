/*
 * Tandem supervisors' conversations page.
 *
 * Signs in with staff.js (supervisor or admin), then reads:
 *   GET /api/reports/conversations        a page of the period's conversations matching the filters
 *   GET /api/reports/conversations/{id}   one conversation's stored (redacted) transcript
 *   GET /api/metrics/labels               the labels agents used in the period (label filter)
 *   GET /api/reports/agents               the agents who held a conversation in the period (agent filter)
 * The filters are the page's address (/conversations?from=2026-10-01&to=2026-10-07&reason=third_party&open=…),
 * so the dashboard links here with them set, and a view can be bookmarked or shared. Every value from the
 * server goes into the page through textContent, never innerHTML.
 */
(() => {
  'use strict';

  const ROLES = new Set(['supervisor', 'admin']);
  const PAGE_SIZE = 50;
  const FILTERS = ['outcome', 'reason', 'rating', 'label', 'agent', 'q']; // selects and the words, by name
  const ROLE_NAMES = { customer: 'Customer', bot: 'Bot', agent: 'Agent', system: 'System' };

  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $('conversation-filters'), from: $('filter-from'), to: $('filter-to'), commented: $('filter-commented'),
    label: $('filter-label'), agent: $('filter-agent'), error: $('page-error'), periodLabel: $('period-label'),
    status: $('list-status'), list: $('conversation-list'), previous: $('page-previous'), next: $('page-next'),
    position: $('page-position'), transcript: $('transcript'), heading: $('transcript-heading'),
    meta: $('transcript-meta'), question: $('transcript-question'), lines: $('transcript-lines'),
    close: $('transcript-close'),
  };
  const field = (name) => ui.form.elements.namedItem(name);
  const ZONE = ui.form.dataset.timezone || 'UTC';
  let page = 0;
  let latest = 0; // only the newest load may draw

  const staff = TandemStaff.page({
    refuse: (role) => (ROLES.has(role) ? '' : 'The conversations are for supervisors and admins.'),
    enter: () => { readAddress(); load(); },
    leave: () => { ui.list.replaceChildren(); ui.transcript.hidden = true; },
  });

  const { h, addDays } = TandemStaff;
  const today = () => TandemStaff.today(ZONE);

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  /* ---------- days on the service's clock ---------- */

  const isDay = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value || '');

  function setPeriod(days) {
    ui.to.value = today();
    ui.from.value = addDays(ui.to.value, 1 - days);
  }

  /* ---------- the address holds the filters ---------- */

  // A select keeps a value from the address even before its options are known (labels, agents load later).
  function choose(select, value) {
    if (value && ![...select.options].some((o) => o.value === value)) select.append(h('option', { value, text: value }));
    select.value = value || '';
  }

  function readAddress() {
    const params = new URLSearchParams(window.location.search);
    if (isDay(params.get('from')) && isDay(params.get('to'))) {
      ui.from.value = params.get('from');
      ui.to.value = params.get('to');
    } else if (!ui.from.value) {
      setPeriod(7);
    }
    for (const name of FILTERS) {
      const input = field(name);
      if (input.tagName === 'SELECT') choose(input, params.get(name) || '');
      else input.value = params.get(name) || '';
    }
    ui.commented.checked = params.get('commented') === 'true';
    page = Math.max(0, Number.parseInt(params.get('page') || '1', 10) - 1 || 0);
    return params.get('open');
  }

  function filterParams() {
    const params = new URLSearchParams({ from: ui.from.value, to: ui.to.value });
    for (const name of FILTERS) if (field(name).value.trim()) params.set(name, field(name).value.trim());
    if (ui.commented.checked) params.set('commented', 'true');
    return params;
  }

  function writeAddress(openId) {
    const params = filterParams();
    if (page) params.set('page', String(page + 1));
    if (openId) params.set('open', openId);
    window.history.replaceState(null, '', `${window.location.pathname}?${params}`);
  }

  // The API's period: the chosen days, from the first midnight to the one after the last day, in the service's zone.
  function periodQuery() {
    return new URLSearchParams({ since: `${ui.from.value}T00:00:00`, until: `${addDays(ui.to.value, 1)}T00:00:00` });
  }

  function apiQuery() {
    const query = periodQuery();
    for (const [name, value] of filterParams()) if (name !== 'from' && name !== 'to') query.set(name, value);
    query.set('limit', String(PAGE_SIZE));
    query.set('offset', String(page * PAGE_SIZE));
    return query.toString();
  }

  /* ---------- loading ---------- */

  async function load(openId = new URLSearchParams(window.location.search).get('open')) {
    if (!isDay(ui.from.value) || !isDay(ui.to.value) || ui.from.value > ui.to.value) {
      showError('Choose a start date on or before the end date.');
      return;
    }
    showError('');
    const run = ++latest;
    ui.status.textContent = 'Loading conversations…';
    const query = apiQuery();
    try {
      const [listed, labels, agents] = await Promise.all([
        staff.api(`/api/reports/conversations?${query}`),
        staff.api(`/api/metrics/labels?${periodQuery()}`),
        staff.api(`/api/reports/agents?${periodQuery()}`),
      ]);
      if (run !== latest) return;
      fillLabels(labels);
      fillAgents(agents.agents);
      renderList(listed);
      writeAddress(openId);
      document.body.dataset.loaded = query; // lets tests wait for a finished load
      if (openId) await openConversation(openId, false);
    } catch (err) {
      if (run !== latest) return;
      ui.status.textContent = '';
      showError(err.message);
    }
  }

  function fillLabels(counts) {
    const chosen = ui.label.value;
    const names = Object.keys(counts || {});
    if (chosen && !names.includes(chosen)) names.push(chosen);
    ui.label.replaceChildren(h('option', { value: '', text: 'Any' }),
      ...names.map((name) => h('option', { value: name, text: `${name} (${counts[name] ?? 0})` })));
    ui.label.value = chosen;
  }

  function fillAgents(agents) {
    const chosen = ui.agent.value;
    const entries = agents.map((a) => [a.agent_id, a.agent_name]);
    if (chosen && !entries.some(([id]) => id === chosen)) entries.push([chosen, chosen]);
    ui.agent.replaceChildren(h('option', { value: '', text: 'Any' }),
      ...entries.map(([id, name]) => h('option', { value: id, text: name })));
    ui.agent.value = chosen;
  }

  const when = (iso) => iso.replace('T', ' ');

  function renderList({ total, offset, conversations, period }) {
    ui.periodLabel.textContent = `· ${period.label}`;
    const first = offset + 1;
    const last = offset + conversations.length;
    ui.status.textContent = total === 0 ? 'No conversations match.'
      : `${total} conversation${total === 1 ? '' : 's'}${total > conversations.length ? `, ${first}–${last} shown` : ''}.`;
    ui.position.textContent = total > PAGE_SIZE ? `Page ${page + 1} of ${Math.ceil(total / PAGE_SIZE)}` : '';
    ui.previous.disabled = page === 0;
    ui.next.disabled = last >= total;
    const head = h('tr', {}, ['Started', 'Outcome', 'Reason', 'Agent', 'Labels', 'Rating', 'Question or comment', '']
      .map((text) => h('th', { scope: 'col', text })));
    const rows = conversations.map((c) => {
      const open = h('button', { type: 'button', class: 'link-button', text: 'Open',
        'aria-label': `Open the conversation started ${when(c.started_at)}` });
      open.addEventListener('click', () => openConversation(c.session_id, true));
      return h('tr', { 'data-session': c.session_id }, [
        h('td', { class: 'nowrap', text: when(c.started_at) }), h('td', { text: c.outcome_label }),
        h('td', { text: c.reason_label || '—' }), h('td', { text: c.agent_name || '—' }),
        h('td', { text: (c.labels || []).join(', ') || '—' }),
        h('td', { class: 'num', text: c.csat == null ? '—' : `${c.csat}/5` }),
        h('td', { class: 'excerpt', text: c.csat_comment || c.escalation_question || '' }),
        h('td', {}, [open])]);
    });
    ui.list.replaceChildren(h('thead', {}, [head]), h('tbody', {}, rows));
  }

  async function openConversation(sessionId, focus) {
    showError('');
    try {
      const c = await staff.api(`/api/reports/conversations/${encodeURIComponent(sessionId)}?${periodQuery()}`);
      ui.heading.textContent = `Conversation ${sessionId.slice(0, 8)} · ${when(c.started_at)}`;
      ui.meta.textContent = [c.outcome_label, c.reason_label, c.agent_name, (c.labels || []).join(', '),
        c.csat == null ? 'not rated' : `rated ${c.csat}/5${c.csat_comment ? `: “${c.csat_comment}”` : ''}`]
        .filter(Boolean).join(' · ');
      ui.question.textContent = c.escalation_question ? `Question handed over: “${c.escalation_question}”` : '';
      ui.question.hidden = !c.escalation_question;
      const lines = c.messages.map((line) => h('li', { 'data-role': line.role, class: line.internal ? 'is-internal' : null }, [
        h('div', { class: 'line-meta', text: `${ROLE_NAMES[line.role] || line.role}${line.internal ? ' (internal note)' : ''} · ${line.ts.slice(11, 19)}` }),
        h('div', { class: 'line-text', text: line.text })]));
      if (!lines.length) {
        lines.push(h('li', { class: 'empty', text: c.purged ? 'The text was removed (retention or erasure); the figures remain.' : 'No stored messages.' }));
      }
      ui.lines.replaceChildren(...lines);
      ui.transcript.hidden = false;
      ui.transcript.dataset.session = sessionId;
      writeAddress(sessionId);
      if (focus) ui.transcript.focus();
      else ui.transcript.scrollIntoView({ block: 'nearest' });
    } catch (err) {
      showError(err.message);
    }
  }

  function closeTranscript() {
    const sessionId = ui.transcript.dataset.session;
    ui.transcript.hidden = true;
    writeAddress('');
    const row = sessionId && ui.list.querySelector(`tr[data-session="${CSS.escape(sessionId)}"] button`);
    if (row) row.focus();
  }

  /* ---------- start ---------- */

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    page = 0;
    ui.transcript.hidden = true;
    load('');
  });
  for (const button of ui.form.querySelectorAll('[data-days]')) {
    button.addEventListener('click', () => { setPeriod(Number(button.dataset.days)); page = 0; load(''); });
  }
  ui.previous.addEventListener('click', () => { page = Math.max(0, page - 1); load(''); });
  ui.next.addEventListener('click', () => { page += 1; load(''); });
  ui.close.addEventListener('click', closeTranscript);
  staff.start();
})();
