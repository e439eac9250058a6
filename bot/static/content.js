/*
 * Tandem knowledge-base page: list, search and edit articles, try what the bot would answer (also with
 * the article in the editor as a draft, ranked with the published ones), and keep the customers' words.
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
    withDraft: $('ask-with-draft'), previewBtn: $('preview-btn'), decidedBy: $('ask-decided-by'),
    signals: $('ask-signals'), synonyms: $('ask-synonyms'), draft: $('ask-draft'),
    vocabularyList: $('vocabulary-list'), vocabularyCount: $('vocabulary-count'), termForm: $('term-form'),
    termName: $('term-name'), termKind: $('term-kind'), termSynonyms: $('term-synonyms'),
    vocabularyMessage: $('vocabulary-message'), vocabularyExport: $('vocabulary-export'),
    vocabularyImport: $('vocabulary-import'),
  };
  const state = { current: null, searchTimer: null };
  const staff = TandemStaff.page({
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
    Promise.all([refreshList(), refreshVocabulary()]).catch((error) => showError(error.message));
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
    ui.withDraft.disabled = false;
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
    const withDraft = ui.withDraft.checked && !ui.editor.hidden;
    const data = withDraft
      ? await api('/api/content/preview', { method: 'POST', json: { question, article: { id: ui.id.value.trim(), ...fields() } } })
      : await api('/api/content/ask', { method: 'POST', json: { question } });
    showDecision(data);
  }

  function previewDraft() {
    ui.withDraft.checked = true;
    if (!ui.askInput.value.trim()) ui.askInput.value = ui.title.value.trim();
    ui.askForm.requestSubmit();
  }

  function showDecision(data) {
    const decision = data.decision;
    ui.askAction.textContent = decision.action;
    ui.askAction.className = `action-${decision.action}`;
    ui.askReason.textContent = `(${decision.reason})`;
    ui.decidedBy.textContent = decision.decided_by;
    ui.signals.textContent = Object.entries(decision.signals)
      .map(([name, value]) => `${name} ${typeof value === 'number' ? value.toFixed(3) : String(value)}`).join(', ');
    ui.synonyms.textContent = data.synonyms.length
      ? `Read as: ${data.synonyms.map((s) => `“${s.phrase}” → ${s.term}`).join(', ')}` : '';
    ui.synonyms.hidden = !data.synonyms.length;
    ui.draft.hidden = !data.draft;
    if (data.draft) {
      const d = data.draft;
      ui.draft.textContent = d.rank
        ? `The draft ${d.article_id} would rank #${d.rank} (score ${d.score.toFixed(3)})`
          + (d.offered ? ' and the bot would use it.' : ', but the bot would not use it.')
        : `The draft ${d.article_id} would not be among the candidates.`;
    }
    const t = data.thresholds;
    ui.askThresholds.textContent = `Answers at ${t.answer_threshold} with a lead of ${t.answer_margin}; `
      + `offers a choice from ${t.clarify_threshold}; below that, hands over to a person.`;
    const draftId = data.draft ? data.draft.article_id : null;
    ui.askCandidates.replaceChildren(...data.candidates.map((c, i) => candidateRow(c, i, c.article_id === draftId)));
    ui.askResult.hidden = false;
  }

  function candidateRow(candidate, index, isDraft) {
    const row = document.createElement('tr');
    if (candidate.offered) row.classList.add('offered');
    if (isDraft) row.classList.add('draft');
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

  // --- customers' words -------------------------------------------------------------------

  async function refreshVocabulary() {
    showVocabulary(await api('/api/content/vocabulary'));
  }

  function showVocabulary(data) {
    ui.vocabularyList.replaceChildren(...data.terms.map(termRow));
    ui.vocabularyCount.textContent = `(${data.terms.length})`;
  }

  function termRow(term) {
    const row = document.createElement('tr');
    row.dataset.term = term.name;
    for (const text of [term.name, term.kind, term.synonyms.join(', ')]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.append(cell);
    }
    const actions = document.createElement('td');
    const edit = button('Edit', () => {
      ui.termName.value = term.name;
      ui.termKind.value = term.kind;
      ui.termSynonyms.value = term.synonyms.join(', ');
      ui.termSynonyms.focus();
    });
    const remove = button('Delete', guardedVocabulary(async () => {
      showVocabulary(await api(`/api/content/vocabulary/${encodeURIComponent(term.name)}`, { method: 'DELETE' }));
      ui.vocabularyMessage.textContent = `Deleted ${term.name}.`;
    }));
    actions.append(edit, remove);
    row.append(actions);
    return row;
  }

  function button(text, onClick) {
    const el = document.createElement('button');
    el.type = 'button';
    el.className = 'button button-quiet';
    el.textContent = text;
    el.addEventListener('click', onClick);
    return el;
  }

  async function saveTerm(event) {
    event.preventDefault();
    const name = ui.termName.value.trim();
    const synonyms = ui.termSynonyms.value.split(',').map((s) => s.trim()).filter(Boolean);
    showVocabulary(await api(`/api/content/vocabulary/${encodeURIComponent(name)}`,
      { method: 'PUT', json: { kind: ui.termKind.value, synonyms } }));
    ui.vocabularyMessage.textContent = `Saved ${name}.`;
  }

  async function exportVocabulary() {
    const data = await api('/api/content/vocabulary');
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 1)], { type: 'application/json' }));
    link.download = 'vocabulary.json';
    link.click();
    URL.revokeObjectURL(link.href);
  }

  async function importVocabulary() {
    const file = ui.vocabularyImport.files[0];
    if (!file) return;
    let data;
    try {
      data = JSON.parse(await file.text());
    } catch {
      throw new Error(`${file.name} is not a JSON file exported from this page`);
    } finally {
      ui.vocabularyImport.value = '';
    }
    showVocabulary(await api('/api/content/vocabulary', { method: 'PUT', json: data }));
    ui.vocabularyMessage.textContent = `Imported ${file.name}.`;
  }

  // --- wiring ------------------------------------------------------------------------------

  const guarded = (handler) => (event) => handler(event).catch((error) => {
    ui.message.textContent = '';
    showError(error.message);
  });

  function guardedVocabulary(handler) {
    return (event) => handler(event).catch((error) => {
      ui.vocabularyMessage.textContent = '';
      showError(error.message);
    });
  }

  ui.searchInput.addEventListener('input', scheduleSearch);
  ui.statusFilter.addEventListener('change', scheduleSearch);
  ui.searchForm.addEventListener('submit', (event) => { event.preventDefault(); scheduleSearch(); });
  ui.newBtn.addEventListener('click', () => { fill(null); ui.id.focus(); });
  ui.editor.addEventListener('submit', guarded(save));
  ui.publish.addEventListener('click', guarded(() => setStatus('publish')));
  ui.retire.addEventListener('click', guarded(() => setStatus('retire')));
  ui.askForm.addEventListener('submit', guarded(ask));
  ui.previewBtn.addEventListener('click', previewDraft);
  ui.termForm.addEventListener('submit', guardedVocabulary(saveTerm));
  ui.vocabularyExport.addEventListener('click', guardedVocabulary(exportVocabulary));
  ui.vocabularyImport.addEventListener('change', guardedVocabulary(importVocabulary));

  staff.start();
})();
