/*
 * Tandem knowledge-base page: list, search and edit articles, try what the bot would answer (also with
 * the article in the editor as a draft, ranked with the published ones), and keep the customers' words.
 *
 * The safety net: edits to a published article are saved as its draft (the live article stays as it was)
 * and go live only with "Publish changes", after "Review changes" shows the diff; retiring asks first;
 * leaving unsaved edits (another article, a new one, a reload or another page) asks first; the history
 * views, compares and restores old versions (restoring makes a new draft).
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
    save: $('save-btn'), review: $('review-btn'), discard: $('discard-btn'), draftNote: $('field-draft'),
    versionView: $('version-view'), versionHeading: $('version-heading'), versionText: $('version-text'),
    versionRestore: $('version-restore'), versionClose: $('version-close'),
    productFilter: $('product-filter'), tagFilter: $('tag-filter'), sortOrder: $('sort-order'),
    exportFormat: $('export-format'), exportBtn: $('export-btn'), importFile: $('import-file'),
    listMessage: $('list-message'),
  };
  // current: the article as saved (live when published); draft: its pending draft, if any;
  // saved: the editor's fields as last filled or saved, to tell unsaved edits; shownVersion: in the version view.
  const state = { current: null, draft: null, saved: null, shownVersion: null, searchTimer: null };
  const UNSAVED = 'This article has unsaved edits. Discard them?';
  const staff = TandemStaff.page({
    refuse: (role) => (CONTENT_ROLES.has(role) ? '' : 'This account cannot edit the knowledge base.'),
    enter,
  });
  const api = staff.api;
  // The Proposals and Gaps tabs (content-learning.js) share this sign-in and open articles in this editor.
  window.TandemContent = { api, open: (id) => open(id), refreshList: () => refreshList() };

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  function enter() {
    showError('');
    document.dispatchEvent(new CustomEvent('tandem:content-enter'));
    Promise.all([refreshList(), refreshVocabulary()]).catch((error) => showError(error.message));
  }

  // --- the list ----------------------------------------------------------------------------

  async function refreshList() {
    const params = new URLSearchParams();
    if (ui.searchInput.value.trim()) params.set('q', ui.searchInput.value.trim());
    if (ui.statusFilter.value) params.set('status', ui.statusFilter.value);
    if (ui.productFilter.value) params.set('product', ui.productFilter.value);
    if (ui.tagFilter.value.trim()) params.set('tag', ui.tagFilter.value.trim());
    params.set('sort', ui.sortOrder.value);
    const data = await api(`/api/content/articles?${params}`);
    rememberProducts(data.articles);
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
    if (article.has_draft) meta.append(document.createTextNode(' · changes pending'));
    if (article.last_editor) {
      const edited = document.createElement('span');
      edited.className = 'article-edited';
      edited.textContent = `edited by ${article.last_editor}, ${new Date(article.updated_at).toLocaleString()}`;
      meta.append(document.createElement('br'), edited);
    }
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

  // The product filter offers every product seen in the list (kept when the list is narrowed).
  function rememberProducts(articles) {
    const known = new Set([...ui.productFilter.options].map((option) => option.value).filter(Boolean));
    const fresh = articles.map((a) => a.product).filter((p) => p && !known.has(p));
    if (!fresh.length) return;
    const all = [...known, ...new Set(fresh)].sort((a, b) => a.localeCompare(b));
    const chosen = ui.productFilter.value;
    const first = ui.productFilter.options[0];
    ui.productFilter.replaceChildren(first, ...all.map((name) => {
      const option = document.createElement('option');
      option.value = name;
      option.textContent = name;
      return option;
    }));
    ui.productFilter.value = chosen;
  }

  // --- import and export -----------------------------------------------------------------

  async function exportArticles() {
    const format = ui.exportFormat.value;
    const response = await staff.request(`/api/content/export?format=${encodeURIComponent(format)}`);
    const disposition = response.headers.get('Content-Disposition') || '';
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || `articles.${format}`;
    const link = document.createElement('a');
    link.href = URL.createObjectURL(await response.blob());
    link.download = name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 0);
    ui.listMessage.textContent = `Exported ${name}.`;
  }

  async function importArticles() {
    const file = ui.importFile.files[0];
    if (!file) return;
    const form = new FormData();
    form.append('file', file);
    ui.importFile.value = '';
    const report = await (await staff.request('/api/content/import', { method: 'POST', body: form })).json();
    ui.listMessage.textContent = `Imported ${file.name}: ${report.created.length} created, `
      + `${report.updated.length} updated, ${report.unchanged.length} unchanged.`;
    showError('');
    await refreshList();
  }

  function scheduleSearch() {
    clearTimeout(state.searchTimer);
    state.searchTimer = setTimeout(() => refreshList().catch((error) => showError(error.message)), SEARCH_DELAY_MS);
  }

  // --- the editor --------------------------------------------------------------------------

  async function open(articleId) {
    if (!confirmLeaving()) return;
    const article = await api(`/api/content/articles/${encodeURIComponent(articleId)}`);
    const draft = article.has_draft ? await api(`/api/content/articles/${encodeURIComponent(articleId)}/draft`) : null;
    fill(article, draft);
    closeVersion();
    await showHistory(articleId);
    for (const el of ui.list.querySelectorAll('.article-item')) {
      el.classList.toggle('selected', el.dataset.articleId === articleId);
    }
  }

  // The editor shows the pending draft of a published article when there is one, else the article.
  function fill(article, draft = null) {
    state.current = article;
    state.draft = draft;
    const shown = draft ? draft.article : article;
    ui.editor.hidden = false;
    ui.editorHeading.textContent = article ? `Edit: ${article.title}` : 'New article';
    ui.id.value = article ? article.id : '';
    ui.id.readOnly = Boolean(article);
    ui.title.value = shown ? shown.title : '';
    ui.questions.value = shown ? shown.questions.join('\n') : '';
    ui.body.value = shown ? shown.body : '';
    ui.product.value = shown && shown.product ? shown.product : '';
    ui.tags.value = shown ? shown.tags.join(', ') : '';
    ui.language.value = shown ? shown.language : 'en';
    ui.status.replaceChildren(badge(article ? article.status : 'draft'));
    ui.version.textContent = article ? `version ${article.version}` : '';
    showDraftState();
    ui.message.textContent = '';
    if (!article) {
      ui.history.hidden = true;
      closeVersion();
    }
    ui.withDraft.disabled = false;
    state.saved = editorSnapshot();
  }

  // Edits to a published article are saved as a draft: say so on the buttons and above them.
  function showDraftState() {
    const article = state.current;
    const live = Boolean(article) && article.status === 'published';
    const draft = state.draft;
    ui.save.textContent = live ? 'Save draft' : 'Save';
    ui.publish.textContent = draft ? 'Publish changes' : 'Publish';
    ui.publish.disabled = !article || (live && !draft);
    ui.retire.disabled = !article || article.status === 'retired';
    ui.review.hidden = !draft;
    ui.discard.hidden = !draft;
    ui.draftNote.hidden = !draft;
    ui.draftNote.textContent = draft
      ? `Unpublished changes saved by ${draft.saved_by}, ${new Date(draft.saved_at).toLocaleString()}: `
        + `customers still get version ${article.version} until you publish them.`
      : '';
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

  const editorSnapshot = () => JSON.stringify({ id: ui.id.value.trim(), ...fields() });

  /** Whether the editor holds edits that are not saved. */
  function unsaved() {
    return !ui.editor.hidden && state.saved !== null && editorSnapshot() !== state.saved;
  }

  /** True when nothing unsaved would be lost, or the curator agrees to lose it. */
  function confirmLeaving() {
    return !unsaved() || window.confirm(UNSAVED);
  }

  async function save(event) {
    event.preventDefault();
    const editing = state.current;
    const saved = editing
      ? await api(`/api/content/articles/${encodeURIComponent(editing.id)}`, { method: 'PUT', json: fields() })
      : await api('/api/content/articles', { method: 'POST', json: { id: ui.id.value.trim(), ...fields() } });
    await afterChange(saved, saved.has_draft
      ? 'Saved as a draft: customers still get the published version until you publish the changes.'
      : 'Saved.');
  }

  async function publish() {
    if (unsaved()) throw new Error('Save your edits first: publishing puts the saved version live.');
    const saved = await api(`/api/content/articles/${encodeURIComponent(state.current.id)}/publish`, { method: 'POST' });
    await afterChange(saved, 'Published: the bot answers with it now.');
  }

  async function retire() {
    const article = state.current;
    const question = `Retire “${article.title}”? The bot stops answering with it at once; you can publish it again later.`;
    if (!window.confirm(question)) {
      ui.message.textContent = 'Not retired.';
      return;
    }
    const saved = await api(`/api/content/articles/${encodeURIComponent(article.id)}/retire`, { method: 'POST' });
    await afterChange(saved, 'Retired.');
  }

  async function discardDraft() {
    if (!window.confirm('Discard the unpublished changes? The published version stays as it is.')) return;
    await staff.request(`/api/content/articles/${encodeURIComponent(state.current.id)}/draft`, { method: 'DELETE' });
    const article = await api(`/api/content/articles/${encodeURIComponent(state.current.id)}`);
    await afterChange(article, 'Draft discarded: the editor shows the published version.');
  }

  // Fills the editor with what the server now holds (the draft, when one is pending), then the list and history.
  async function afterChange(article, text) {
    const draft = article.has_draft
      ? await api(`/api/content/articles/${encodeURIComponent(article.id)}/draft`) : null;
    fill(article, draft);
    closeVersion();
    ui.message.textContent = text;
    showError('');
    await Promise.all([refreshList(), showHistory(article.id)]);
  }

  // --- history: view, compare and restore versions ------------------------------------------

  async function showHistory(articleId) {
    const data = await api(`/api/content/articles/${encodeURIComponent(articleId)}/history`);
    const items = data.revisions.slice().reverse().map((revision) => {
      const item = document.createElement('li');
      item.dataset.version = String(revision.version);
      const when = new Date(revision.at).toLocaleString();
      const text = document.createElement('span');
      text.textContent = `v${revision.version} ${revision.action} by ${revision.actor}, ${when}`;
      if (revision.note) text.title = revision.note;
      item.append(text, button('View', guarded(() => viewVersion(revision))));
      if (revision.version > 1) item.append(button('Changes', guarded(() => compareVersion(revision.version))));
      return item;
    });
    ui.historyList.replaceChildren(...items);
    ui.history.hidden = false;
  }

  function showVersion(heading, lines, restorable) {
    ui.versionHeading.textContent = heading;
    ui.versionText.replaceChildren(...lines);
    ui.versionRestore.hidden = !restorable;
    ui.versionView.hidden = false;
    ui.versionHeading.focus();
  }

  function closeVersion() {
    state.shownVersion = null;
    ui.versionView.hidden = true;
  }

  function viewVersion(revision) {
    state.shownVersion = revision.version;
    const line = (text) => {
      const span = document.createElement('span');
      span.className = 'diff-same';
      span.textContent = text;
      return span;
    };
    const head = [`Title: ${revision.title}`, `Status: ${revision.status}`, ''];
    const live = state.current && revision.version === state.current.version;
    showVersion(`Version ${revision.version} (${revision.action} by ${revision.actor})`,
      [...head, ...(revision.body || '').split('\n')].map(line), !live);
  }

  async function compareVersion(version) {
    const id = encodeURIComponent(state.current.id);
    const diff = await api(`/api/content/articles/${id}/diff?base=${version - 1}&target=${version}`);
    state.shownVersion = version;
    showVersion(`Changes in version ${version} (from v${version - 1})`, diffLines(diff.lines),
      version !== state.current.version);
  }

  async function reviewDraft() {
    const diff = await api(`/api/content/articles/${encodeURIComponent(state.current.id)}/diff`);
    state.shownVersion = null;
    showVersion(`Changes not live yet: ${diff.base} → ${diff.target}`, diffLines(diff.lines), false);
  }

  // Unified diff lines as text (never markup), coloured by their first character.
  function diffLines(lines) {
    return lines.filter((text) => !text.startsWith('---') && !text.startsWith('+++')).map((text) => {
      const span = document.createElement('span');
      const kind = { '+': 'diff-add', '-': 'diff-del', '@': 'diff-hunk' }[text[0]] || 'diff-same';
      span.className = kind;
      span.textContent = kind === 'diff-hunk' ? '…' : `${text[0] === ' ' ? ' ' : text[0]} ${text.slice(1)}`;
      return span;
    });
  }

  async function restoreVersion() {
    const version = state.shownVersion;
    if (version === null || !confirmLeaving()) return;
    const id = encodeURIComponent(state.current.id);
    const saved = await api(`/api/content/articles/${id}/restore`, { method: 'POST', json: { version } });
    await afterChange(saved, saved.has_draft
      ? `Version ${version} restored as a draft: review it, then publish the changes to put it live.`
      : `Version ${version} restored as version ${saved.version}.`);
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

  // An action's failure goes to the page's error line, and clears the success message of its area.
  const guardedWith = (message) => (handler) => (event) => handler(event).catch((error) => {
    message.textContent = '';
    showError(error.message);
  });
  const guarded = guardedWith(ui.message);
  const guardedList = guardedWith(ui.listMessage);
  const guardedVocabulary = guardedWith(ui.vocabularyMessage);

  ui.searchInput.addEventListener('input', scheduleSearch);
  ui.statusFilter.addEventListener('change', scheduleSearch);
  ui.productFilter.addEventListener('change', scheduleSearch);
  ui.tagFilter.addEventListener('input', scheduleSearch);
  ui.sortOrder.addEventListener('change', scheduleSearch);
  ui.exportBtn.addEventListener('click', guardedList(exportArticles));
  ui.importFile.addEventListener('change', guardedList(importArticles));
  ui.searchForm.addEventListener('submit', (event) => { event.preventDefault(); scheduleSearch(); });
  ui.newBtn.addEventListener('click', () => {
    if (!confirmLeaving()) return;
    fill(null);
    ui.id.focus();
  });
  ui.editor.addEventListener('submit', guarded(save));
  ui.publish.addEventListener('click', guarded(publish));
  ui.retire.addEventListener('click', guarded(retire));
  ui.review.addEventListener('click', guarded(reviewDraft));
  ui.discard.addEventListener('click', guarded(discardDraft));
  ui.versionRestore.addEventListener('click', guarded(restoreVersion));
  ui.versionClose.addEventListener('click', closeVersion);
  window.addEventListener('beforeunload', (event) => {
    if (!unsaved()) return;
    event.preventDefault();
    event.returnValue = ''; // the browser asks "Leave site? Changes you made may not be saved."
  });
  ui.askForm.addEventListener('submit', guarded(ask));
  ui.previewBtn.addEventListener('click', previewDraft);
  ui.termForm.addEventListener('submit', guardedVocabulary(saveTerm));
  ui.vocabularyExport.addEventListener('click', guardedVocabulary(exportVocabulary));
  ui.vocabularyImport.addEventListener('change', guardedVocabulary(importVocabulary));

  staff.start();
})();
