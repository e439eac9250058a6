/*
 * Tandem knowledge-base page: list, search and edit articles, and try what the bot would answer.
 *
 * Signs in with staff.js (content or admin role), then uses /api/content/*.
 * Everything that comes from the server goes into the page with textContent only.
 */
(() => {
  'use strict';

  const CONTENT_ROLES = new Set(['content', 'admin']);
  const SEARCH_DELAY_MS = 250;

  const $ = (id) => document.getElementById(id);
  const ui = {
    error: $('page-error'), askForm: $('ask-form'), askInput: $('ask-input'), askResult: $('ask-result'),
    askAction: $('ask-action'), askReason: $('ask-reason'), askThresholds: $('ask-thresholds'),
    askCandidates: $('ask-candidates'), searchForm: $('search-form'), searchInput: $('search-input'),
    statusFilter: $('status-filter'), list: $('article-list'), listEmpty: $('list-empty'),
    count: $('article-count'), newBtn: $('new-btn'), editorHeading: $('editor-heading'), editor: $('editor'),
    id: $('field-id'), title: $('field-title'), questions: $('field-questions'), body: $('field-body'),
    product: $('field-product'), tags: $('field-tags'), language: $('field-language'),
    status: $('field-status'), version: $('field-version'), message: $('editor-message'),
    publish: $('publish-btn'), retire: $('retire-btn'), history: $('history'), historyList: $('history-list'),
  };
  const state = { current: null, searchTimer: null };
  const staff = TandemStaff.page({
    key: 'content',
    refuse: (role) => (CONTENT_ROLES.has(role) ? '' : 'This account cannot edit the knowledge base.'),
    enter,
  });
  const api = staff.api;

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  function enter() {
    showError('');
    refreshList().catch((error) => showError(error.message));
  }

  // --- the list ----------------------------------------------------------------------------

  async function refreshList() {
    const params = new URLSearchParams();
    if (ui.searchInput.value.trim()) params.set('q', ui.searchInput.value.trim());
    if (ui.statusFilter.value) params.set('status', ui.statusFilter.value);
    const data = await api(`/api/content/articles?${params}`);
    ui.list.replaceChildren(...data.articles.map(listItem));
    ui.count.textContent = `(${data.articles.length})`;
    ui.listEmpty.hidden = data.articles.length > 0;
  }

  function listItem(article) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'article-item';
    button.dataset.articleId = article.id;
    if (state.current && state.current.id === article.id) button.classList.add('selected');
    const title = document.createElement('span');
    title.className = 'article-title';
    title.textContent = article.title;
    const meta = document.createElement('span');
    meta.className = 'article-meta';
    meta.append(badge(article.status), document.createTextNode(` ${article.id}`));
    button.append(title, meta);
    button.addEventListener('click', () => open(article.id).catch((error) => showError(error.message)));
    item.append(button);
    return item;
  }

  function badge(status) {
    const span = document.createElement('span');
    span.className = `status-badge status-${status}`;
    span.textContent = status;
    return span;
  }

  function scheduleSearch() {
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(() => refreshList().catch((error) => showError(error.message)), SEARCH_DELAY_MS);
  }

  // --- the editor --------------------------------------------------------------------------

  async function open(articleId) {
    const article = await api(`/api/content/articles/${encodeURIComponent(articleId)}`);
    fill(article);
    await showHistory(articleId);
    for (const el of ui.list.querySelectorAll('.article-item')) {
      el.classList.toggle('selected', el.dataset.articleId === articleId);
    }
  }

  function fill(article) {
    state.current = article;
    ui.editor.hidden = false;
    ui.editorHeading.textContent = article ? `Edit: ${article.title}` : 'New article';
    ui.id.value = article ? article.id : '';
    ui.id.readOnly = Boolean(article);
    ui.title.value = article ? article.title : '';
    ui.questions.value = article ? article.questions.join('\n') : '';
    ui.body.value = article ? article.body : '';
    ui.product.value = article && article.product ? article.product : '';
    ui.tags.value = article ? article.tags.join(', ') : '';
    ui.language.value = article ? article.language : 'en';
    ui.status.replaceChildren(badge(article ? article.status : 'draft'));
    ui.version.textContent = article ? `version ${article.version}` : '';
    ui.publish.disabled = !article || article.status === 'published';
    ui.retire.disabled = !article || article.status === 'retired';
    ui.message.textContent = '';
    if (!article) ui.history.hidden = true;
  }

  function fields() {
    const lines = (text, separator) => text.split(separator).map((s) => s.trim()).filter(Boolean);
    return {
      title: ui.title.value.trim(), body: ui.body.value.trim(), product: ui.product.value.trim() || null,
      tags: lines(ui.tags.value, ','), questions: lines(ui.questions.value, '\n'),
      language: ui.language.value.trim() || 'en',
      status: state.current ? state.current.status : 'draft',
    };
  }

  async function save(event) {
    event.preventDefault();
    const editing = state.current;
    const saved = editing
      ? await api(`/api/content/articles/${encodeURIComponent(editing.id)}`, { method: 'PUT', json: fields() })
      : await api('/api/content/articles', { method: 'POST', json: { id: ui.id.value.trim(), ...fields() } });
    await afterChange(saved, 'Saved.');
  }

  async function setStatus(verb) {
    const saved = await api(`/api/content/articles/${encodeURIComponent(state.current.id)}/${verb}`, { method: 'POST' });
    await afterChange(saved, verb === 'publish' ? 'Published: the bot answers with it now.' : 'Retired.');
  }

  async function afterChange(article, text) {
    fill(article);
    ui.message.textContent = text;
    showError('');
    await Promise.all([refreshList(), showHistory(article.id)]);
  }

  async function showHistory(articleId) {
    const data = await api(`/api/content/articles/${encodeURIComponent(articleId)}/history`);
    const items = data.revisions.slice().reverse().map((revision) => {
      const item = document.createElement('li');
      const when = new Date(revision.at).toLocaleString();
      item.textContent = `v${revision.version} ${revision.action} by ${revision.actor}, ${when}`;
      if (revision.note) item.title = revision.note;
      return item;
    });
    ui.historyList.replaceChildren(...items);
    ui.history.hidden = false;
  }

  // --- what would the bot answer? ----------------------------------------------------------

  async function ask(event) {
    event.preventDefault();
    const question = ui.askInput.value.trim();
    if (!question) return;
    const data = await api('/api/content/ask', { method: 'POST', json: { question } });
    ui.askAction.textContent = data.decision.action;
    ui.askAction.className = `action-${data.decision.action}`;
    ui.askReason.textContent = `(${data.decision.reason})`;
    const t = data.thresholds;
    ui.askThresholds.textContent = `Answers at ${t.answer_threshold} with a lead of ${t.answer_margin}; `
      + `offers a choice from ${t.clarify_threshold}; below that, hands over to a person.`;
    ui.askCandidates.replaceChildren(...data.candidates.map(candidateRow));
    ui.askResult.hidden = false;
  }

  function candidateRow(candidate, index) {
    const row = document.createElement('tr');
    if (candidate.offered) row.className = 'offered';
    const cells = [
      String(index + 1), `${candidate.title} (${candidate.article_id})`, candidate.score.toFixed(3),
      Object.entries(candidate.signals).map(([name, value]) => `${name} ${value.toFixed(2)}`).join(', '),
    ];
    row.append(...cells.map((text) => {
      const cell = document.createElement('td');
      cell.textContent = text;
      return cell;
    }));
    return row;
  }

  // --- wiring ------------------------------------------------------------------------------

  const guarded = (handler) => (event) => handler(event).catch((error) => {
    ui.message.textContent = '';
    showError(error.message);
  });

  ui.searchInput.addEventListener('input', scheduleSearch);
  ui.statusFilter.addEventListener('change', scheduleSearch);
  ui.searchForm.addEventListener('submit', (event) => { event.preventDefault(); scheduleSearch(); });
  ui.newBtn.addEventListener('click', () => { fill(null); ui.id.focus(); });
  ui.editor.addEventListener('submit', guarded(save));
  ui.publish.addEventListener('click', guarded(() => setStatus('publish')));
  ui.retire.addEventListener('click', guarded(() => setStatus('retire')));
  ui.askForm.addEventListener('submit', guarded(ask));

  staff.start();
})();
