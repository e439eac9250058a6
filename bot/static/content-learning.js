/*
 * Tandem knowledge-base page, the Proposals and Gaps tabs: what agents answered because the bot could not,
 * turned into proposals (accept, edit then publish, merge into another article, reject with a reason), and
 * the knowledge gaps with their state ("Create article from this" opens a draft in the page's editor).
 *
 * Uses content.js's sign-in (window.TandemContent, set before its 'tandem:content-enter' event) and
 * /api/learning/*; "what the bot would answer today" is the page's own /api/content/ask.
 * Everything that comes from the server goes into the page with textContent only.
 */
(() => {
  'use strict';

  // Proposals whose "answer today" is asked of the live bot when listed: one at a time, so the curator's own
  // questions in "What would the bot answer?" are not kept waiting behind them.
  const TODAY_CHECKED = 10;
  let listing = 0; // which listing the "answer today" checks belong to (a newer one stops them)
  const SIGNALS = {
    escalation: 'handed over', unanswered_menu: '"Did you mean" left unanswered', low_rating: 'low rating',
    admin_mark: "admin's KB-gap mark", retired_article: 'retired article', misrouted: 'misrouted, ours',
  };
  const $ = (id) => document.getElementById(id);
  const ui = {
    tabs: [$('tab-proposals'), $('tab-gaps')], panels: [$('panel-proposals'), $('panel-gaps')],
    message: $('learning-message'), proposals: $('proposal-list'), proposalEmpty: $('proposal-empty'),
    proposalCount: $('proposal-count'), gaps: $('gap-list'), gapEmpty: $('gap-empty'), gapCount: $('gap-count'),
    gapState: $('gap-state'),
  };
  const content = () => window.TandemContent;
  const api = (path, options) => content().api(path, options);

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const node = el('button', `button ${className}`, text);
    node.type = 'button';
    node.addEventListener('click', () => run(node, onClick));
    return node;
  }

  function say(text, isError = false) {
    ui.message.textContent = text;
    ui.message.classList.toggle('learning-error', isError);
  }

  // Runs an action once at a time per button; its error is shown, not lost.
  async function run(node, action) {
    node.disabled = true;
    try {
      await action();
    } catch (error) {
      say(error.message, true);
    } finally {
      node.disabled = false;
    }
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleString() : '';
  }

  // --- tabs --------------------------------------------------------------------------------

  function select(index) {
    ui.tabs.forEach((tab, n) => {
      tab.setAttribute('aria-selected', String(n === index));
      tab.tabIndex = n === index ? 0 : -1;
      ui.panels[n].hidden = n !== index;
    });
  }

  ui.tabs.forEach((tab, n) => {
    tab.addEventListener('click', () => select(n));
    tab.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
      const next = (n + (event.key === 'ArrowRight' ? 1 : ui.tabs.length - 1)) % ui.tabs.length;
      select(next);
      ui.tabs[next].focus();
    });
  });

  // --- proposals ---------------------------------------------------------------------------

  async function refreshProposals() {
    const data = await api('/api/learning/proposals');
    // A proposal whose form the curator has open keeps its item (and what was typed in it): a refresh
    // landing after another decision must not close the form under their cursor.
    const open = new Map([...ui.proposals.children]
      .filter((item) => item.querySelector('form:not([hidden])'))
      .map((item) => [item.dataset.proposalId, item]));
    ui.proposals.replaceChildren(...data.proposals.map((proposal) => open.get(String(proposal.id)) || proposalItem(proposal)));
    ui.proposalCount.textContent = `(${data.proposals.length})`;
    ui.proposalEmpty.hidden = data.proposals.length > 0;
    showTodays(data.proposals.slice(0, TODAY_CHECKED), ++listing);
  }

  async function showTodays(proposals, mine) {
    for (const proposal of proposals) {
      if (mine !== listing) return;
      await showToday(proposal).catch(() => {});
    }
  }

  function proposalItem(proposal) {
    const item = el('li', 'proposal');
    item.dataset.proposalId = String(proposal.id);
    const what = proposal.kind === 'phrasing'
      ? `Add the questions to article ${proposal.article_id}` : 'New article';
    const asked = proposal.customers === 1 ? '1 customer asked' : `${proposal.customers} customers asked`;
    const head = el('h3', 'proposal-head');
    head.append(el('span', 'proposal-count', asked), document.createTextNode(' · '), el('span', 'proposal-kind', what));
    const questions = el('ul', 'proposal-questions');
    questions.append(...proposal.questions.map((q) => el('li', '', q)));
    const answers = el('div', 'proposal-answers');
    answers.append(el('p', 'small muted', 'Agents answered:'), ...proposal.answers.map((a) => el('blockquote', '', a)));
    const today = el('p', 'proposal-today small', 'What the bot would answer today: …');
    item.append(head, el('p', 'small muted', 'Customers asked:'), questions, answers, today,
      actions(proposal), editForm(proposal), mergeForm(proposal), rejectForm(proposal));
    return item;
  }

  // The content page's preview for the most asked question: the live routing decision, nothing saved.
  async function showToday(proposal) {
    const result = await api('/api/content/ask', { method: 'POST', json: { question: proposal.questions[0] } });
    const line = ui.proposals.querySelector(`[data-proposal-id="${proposal.id}"] .proposal-today`);
    if (!line) return;
    const d = result.decision;
    const article = d.article_ids.length ? ` (${d.article_ids.join(', ')})` : '';
    line.textContent = `What the bot would answer today: ${d.action}${article}, decided by ${d.decided_by}.`;
  }

  function actions(proposal) {
    const bar = el('div', 'editor-actions');
    const toggle = (name) => () => {
      const item = ui.proposals.querySelector(`[data-proposal-id="${proposal.id}"]`);
      for (const form of item.querySelectorAll('form')) form.hidden = form.dataset.form !== name || !form.hidden;
      const shown = item.querySelector(`form[data-form="${name}"]`);
      if (!shown.hidden) shown.querySelector('input, textarea').focus();
    };
    bar.append(
      button('Accept', 'button-primary', () => decide(proposal, 'accept', {})),
      button('Edit then publish…', 'button-secondary', toggle('edit')),
      button('Merge into…', 'button-quiet', toggle('merge')),
      button('Reject…', 'button-quiet', toggle('reject')),
    );
    return bar;
  }

  function field(form, label, input) {
    const id = `${form.dataset.form}-${form.dataset.proposalId}-${label.toLowerCase().replace(/\W+/g, '-')}`;
    const caption = el('label', '', label);
    caption.htmlFor = id;
    input.id = id;
    form.append(caption, input);
    return input;
  }

  function proposalForm(proposal, name, submitText, onSubmit) {
    const form = el('form', 'proposal-form');
    form.hidden = true;
    form.dataset.form = name;
    form.dataset.proposalId = String(proposal.id);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(form.querySelector('button[type="submit"]'), onSubmit);
    });
    const submit = el('button', 'button button-primary', submitText);
    submit.type = 'submit';
    return [form, submit];
  }

  function editForm(proposal) {
    const [form, submit] = proposalForm(proposal, 'edit', 'Publish', () => {
      const article = {
        title: title.value.trim(), body: body.value.trim(),
        questions: questions.value.split('\n').map((q) => q.trim()).filter(Boolean),
      };
      if (id.value.trim()) article.id = id.value.trim();
      return decide(proposal, 'accept', { article });
    });
    const id = field(form, 'Id', el('input'));
    id.placeholder = proposal.kind === 'phrasing' ? `(empty: add to ${proposal.article_id})` : '(empty: made from the title)';
    const title = field(form, 'Title', el('input'));
    title.value = proposal.kind === 'phrasing' ? '' : proposal.questions[0];
    title.maxLength = 200;
    const questions = field(form, 'Questions (one per line)', el('textarea'));
    questions.rows = 3;
    questions.value = (proposal.kind === 'phrasing' ? proposal.questions : proposal.questions.slice(1)).join('\n');
    const body = field(form, 'Answer (Markdown)', el('textarea'));
    body.rows = 5;
    body.value = proposal.answers.join('\n\n');
    if (proposal.kind === 'phrasing') {
      title.placeholder = '(only for a new article)';
      body.placeholder = '(only for a new article)';
    }
    form.append(submit);
    return form;
  }

  function mergeForm(proposal) {
    const [form, submit] = proposalForm(proposal, 'merge', 'Merge', () => {
      const json = { article_id: target.value.trim() };
      return decide(proposal, 'merge', json);
    });
    const target = field(form, 'Article id', el('input'));
    target.required = true;
    target.placeholder = 'e.g. hub-reset';
    form.append(submit);
    return form;
  }

  function rejectForm(proposal) {
    const [form, submit] = proposalForm(proposal, 'reject', 'Reject', () => decide(proposal, 'reject',
      { reason: reason.value.trim() }));
    const reason = field(form, 'Reason', el('input'));
    reason.required = true;
    reason.maxLength = 500;
    form.append(submit);
    return form;
  }

  async function decide(proposal, verb, json) {
    const result = await api(`/api/learning/proposals/${proposal.id}/${verb}`, { method: 'POST', json });
    const article = result.article ? ` ${result.article.id} (version ${result.article.version}) is live.` : '';
    const nlu = result.nlu_examples ? ` ${result.nlu_examples} question(s) went to the NLU review.` : '';
    try {
      await Promise.all([refreshProposals(), refreshGaps(), content().refreshList()]);
    } finally {
      say(`Proposal ${proposal.id} ${result.proposal.state}.${article}${nlu}`); // once the lists show it
    }
  }

  // --- gaps --------------------------------------------------------------------------------

  async function refreshGaps() {
    const data = await api(`/api/learning/gaps?state=${encodeURIComponent(ui.gapState.value)}`);
    ui.gaps.replaceChildren(...data.gaps.map(gapItem));
    ui.gapCount.textContent = ui.gapState.value === 'open' ? `(${data.gaps.length})` : ui.gapCount.textContent;
    ui.gapEmpty.hidden = data.gaps.length > 0;
  }

  function gapItem(gap) {
    const item = el('li', 'proposal gap');
    item.dataset.gapId = String(gap.id);
    const head = el('h3', 'proposal-head');
    const state = el('span', `status-badge gap-${gap.state}`, gap.state);
    const asked = gap.customers === 1 ? '1 customer' : `${gap.customers} customers`;
    head.append(state, document.createTextNode(' '), el('span', 'gap-label', gap.label),
      el('span', 'muted small', ` · ${asked}`));
    const signals = Object.entries(gap.signals).map(([k, n]) => `${SIGNALS[k] || k} ${n}`).join(' · ');
    const facts = [`Signals: ${signals}`, `first ${when(gap.first_seen)}, last ${when(gap.last_seen)}`];
    if (gap.state === 'answered') facts.push(`answered by ${gap.article_id} (${when(gap.state_at)}, ${gap.state_by})`);
    else if (gap.article_id) facts.push(`draft ${gap.article_id} written for it`);
    if (gap.state === 'dismissed') facts.push(`dismissed by ${gap.state_by}, ${when(gap.state_at)}`);
    if (gap.retired_article_id) facts.push(`asked about retired article ${gap.retired_article_id}`);
    if (gap.note) facts.push(gap.note);
    const examples = el('ul', 'proposal-questions');
    examples.append(...gap.examples.map((q) => el('li', '', q)));
    const bar = el('div', 'editor-actions');
    if (gap.state === 'open') {
      bar.append(button('Create article from this', 'button-secondary', () => draftFrom(gap)),
        button('Dismiss', 'button-quiet', () => setGap(gap, 'dismiss')));
    } else {
      bar.append(button('Reopen', 'button-quiet', () => setGap(gap, 'reopen')));
    }
    item.append(head, ...facts.map((f) => el('p', 'small muted', f)), examples, bar);
    return item;
  }

  async function draftFrom(gap) {
    const article = await api(`/api/learning/gaps/${gap.id}/article`, { method: 'POST' });
    say(`Draft ${article.id} created from the gap: write the answer in the editor, then publish.`);
    await Promise.all([refreshGaps(), content().refreshList()]);
    await content().open(article.id);
    document.getElementById('field-body').focus();
  }

  async function setGap(gap, verb) {
    const json = verb === 'dismiss' ? { note: '' } : undefined;
    await api(`/api/learning/gaps/${gap.id}/${verb}`, { method: 'POST', json });
    say(`Gap ${gap.id} ${verb === 'dismiss' ? 'dismissed' : 'reopened'}.`);
    await refreshGaps();
  }

  ui.gapState.addEventListener('change', () => refreshGaps().catch((error) => say(error.message, true)));
  document.addEventListener('tandem:content-enter', () => {
    say('');
    Promise.all([refreshProposals(), refreshGaps()]).catch((error) => say(error.message, true));
  });
})();
