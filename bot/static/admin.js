/*
 * Tandem NLU retraining page: the review queue, and the model registry (train, evaluate, promote,
 * roll back) with the current job's progress; and the webhooks with their delivery log.
 *
 * Signs in with staff.js (admin role), then uses /api/admin/nlu/* (docs/retraining.md) and
 * /api/admin/webhooks (docs/webhooks.md).
 * Everything that comes from the server goes into the page with textContent only; evaluation
 * images are fetched in the staff session and shown through object URLs.
 */
(() => {
  'use strict';

  const ADMIN_ROLE = 'admin';
  const API = '/api/admin/nlu';
  const WEBHOOKS = '/api/admin/webhooks';
  const DELIVERY_LIMIT = 50;
  const EVENT_TYPES = ['conversation.escalated', 'conversation.assigned', 'conversation.transferred',
    'conversation.offline_ticket', 'conversation.resolved', 'conversation.rated'];
  const JOB_POLL_MS = 2000;
  const REVIEW_LIMIT = 200;
  const REASONS = {
    nlu_fallback: 'NLU unsure (fallback)',
    low_confidence: 'low intent confidence',
    kb_no_answer: 'no article answered it',
  };
  const ACTION_DONE = {
    label: (intent) => `Labelled as ${intent}: it joins the training data of the next model.`,
    kb_gap: () => 'Marked as a knowledge-base gap: the content team sees it under Gaps on the Knowledge base page.',
    dismiss: () => 'Dismissed.',
  };

  const $ = (id) => document.getElementById(id);
  const ui = {
    error: $('page-error'), message: $('page-message'),
    reviewFilter: $('review-filter'), reviewRefresh: $('review-refresh'), reviewCounts: $('review-counts'),
    reviewList: $('review-list'), reviewEmpty: $('review-empty'),
    train: $('train-btn'), rollback: $('rollback-btn'), job: $('job'), jobText: $('job-text'),
    jobProgress: $('job-progress'), jobError: $('job-error'), modelRows: $('model-rows'),
    modelsEmpty: $('models-empty'), detail: $('model-detail'), detailHeading: $('detail-heading'),
    facts: $('detail-facts'), folds: $('folds-input'), evaluate: $('evaluate-btn'), force: $('force-input'),
    promote: $('promote-btn'), comparison: $('detail-comparison'), reports: $('detail-reports'),
    images: $('detail-images'), history: $('detail-history'), reviewHeading: $('review-heading'),
    bulkAll: $('bulk-all'), bulkCount: $('bulk-count'), bulkIntent: $('bulk-intent'), bulkLabel: $('bulk-label'),
    bulkGap: $('bulk-gap'), bulkDismiss: $('bulk-dismiss'),
    webhookForm: $('webhook-form'), webhookUrl: $('webhook-url'), webhookDescription: $('webhook-description'),
    webhookEvents: $('webhook-events'), webhookSecret: $('webhook-secret'), webhookRows: $('webhook-rows'),
    webhooksEmpty: $('webhooks-empty'), deliveryFilter: $('delivery-filter'), deliveryRefresh: $('delivery-refresh'),
    deliveryRows: $('delivery-rows'), deliveriesEmpty: $('deliveries-empty'),
  };
  const state = {
    intents: [], selected: null, jobRunning: false, jobTimer: null, imageUrls: [], canRollBack: false,
    webhooks: new Map(),
  };
  const NOTHING_TO_ROLL_BACK = 'Nothing to roll back to: no model was live before the current one.';
  const staff = TandemStaff.page({
    refuse: (role) => (role === ADMIN_ROLE ? '' : `This page needs the admin role; this account has the ${role} role.`),
    enter,
    leave,
  });
  const { api, request } = staff;

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  function showMessage(text) {
    ui.message.textContent = text;
    if (text) showError('');
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');

  // --- signing in and out -----------------------------------------------------------------

  function leave() {
    clearTimeout(state.jobTimer);
    closeModel();
    showSecret('');
  }

  function enter() {
    showError('');
    Promise.all([loadReview(), loadModels(), pollJob(), loadWebhooks(), loadDeliveries()])
      .catch((error) => showError(error.message));
  }

  // --- webhooks ----------------------------------------------------------------------------

  function eventBoxes(types) {
    if (ui.webhookEvents.querySelector('input')) return;
    ui.webhookEvents.append(...types.map((type) => {
      const label = el('label', null, 'inline');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = type;
      box.checked = true;
      label.append(box, document.createTextNode(` ${type.replace('conversation.', '').replace('_', ' ')}`));
      return label;
    }));
  }

  async function loadWebhooks() {
    const data = await api(WEBHOOKS);
    eventBoxes(Array.isArray(data.event_types) ? data.event_types : EVENT_TYPES);
    state.webhooks = new Map(data.webhooks.map((hook) => [hook.id, hook]));
    ui.webhookRows.replaceChildren(...data.webhooks.map(webhookRow));
    ui.webhooksEmpty.hidden = data.webhooks.length > 0;
  }

  function webhookRow(hook) {
    const row = document.createElement('tr');
    row.dataset.webhookId = hook.id;
    const url = el('td', hook.url, 'webhook-url');
    if (hook.description) url.append(el('div', hook.description, 'muted small'));
    const toggle = el('button', hook.active ? 'Pause' : 'Resume', 'button button-quiet');
    toggle.type = 'button';
    toggle.addEventListener('click', guarded(async () => {
      await api(`${WEBHOOKS}/${encodeURIComponent(hook.id)}`, { method: 'PATCH', json: { active: !hook.active } });
      await loadWebhooks();
    }));
    const remove = el('button', 'Delete', 'button button-secondary');
    remove.type = 'button';
    remove.addEventListener('click', guarded(async () => {
      if (!window.confirm(`Delete the webhook to ${hook.url} and its delivery log?`)) return;
      await request(`${WEBHOOKS}/${encodeURIComponent(hook.id)}`, { method: 'DELETE' });  // 204: no JSON
      showMessage('Webhook deleted.');
      await Promise.all([loadWebhooks(), loadDeliveries()]);
    }));
    const actions = el('td');
    actions.append(toggle, document.createTextNode(' '), remove);
    row.append(url, el('td', hook.events.map((type) => type.replace('conversation.', '')).join(', ')),
      el('td', hook.active ? 'active' : 'paused'), actions);
    return row;
  }

  function showSecret(secret) {
    ui.webhookSecret.replaceChildren();
    ui.webhookSecret.hidden = !secret;
    if (!secret) return;
    ui.webhookSecret.append(document.createTextNode('Signing secret (copy it now, it is not shown again): '),
      el('code', secret));
  }

  async function addWebhook(event) {
    event.preventDefault();
    const events = [...ui.webhookEvents.querySelectorAll('input:checked')].map((box) => box.value);
    const json = { url: ui.webhookUrl.value.trim(), events };
    if (ui.webhookDescription.value.trim()) json.description = ui.webhookDescription.value.trim();
    const hook = await api(WEBHOOKS, { method: 'POST', json });
    ui.webhookForm.reset();
    ui.webhookEvents.querySelectorAll('input').forEach((box) => { box.checked = true; });
    showMessage(`Webhook to ${hook.url} added.`);
    showSecret(hook.secret);
    await loadWebhooks();
  }

  async function loadDeliveries() {
    const params = new URLSearchParams({ limit: String(DELIVERY_LIMIT) });
    if (ui.deliveryFilter.value) params.set('status', ui.deliveryFilter.value);
    const data = await api(`${WEBHOOKS}/deliveries?${params}`);
    ui.deliveryRows.replaceChildren(...data.deliveries.map(deliveryRow));
    ui.deliveriesEmpty.hidden = data.deliveries.length > 0;
  }

  function deliveryRow(delivery) {
    const row = document.createElement('tr');
    row.dataset.deliveryId = String(delivery.id);
    const hook = state.webhooks && state.webhooks.get(delivery.webhook_id);
    const event = el('td', delivery.event_type.replace('conversation.', ''));
    if (hook) event.append(el('div', hook.url, 'muted small webhook-url'));
    const result = delivery.status === 'delivered' ? `HTTP ${delivery.last_status_code}` : (delivery.last_error || '');
    const actions = el('td');
    if (delivery.status === 'dead') {
      const retry = el('button', 'Send again', 'button button-quiet');
      retry.type = 'button';
      retry.addEventListener('click', guarded(async () => {
        await api(`${WEBHOOKS}/deliveries/${delivery.id}/retry`, { method: 'POST' });
        showMessage('The delivery will be sent again.');
        await loadDeliveries();
      }));
      actions.append(retry);
    }
    row.append(el('td', when(delivery.created_at)), event, el('td', delivery.session_id, 'hash'),
      el('td', delivery.status === 'dead' ? 'dead letter' : delivery.status),
      el('td', delivery.attempts, 'number'), el('td', result), actions);
    return row;
  }

  // --- review queue ------------------------------------------------------------------------

  async function loadReview() {
    const params = new URLSearchParams({ limit: String(REVIEW_LIMIT) });
    if (ui.reviewFilter.value === 'all') params.set('all', 'true');
    else params.set('status', ui.reviewFilter.value);
    const data = await api(`${API}/review?${params}`);
    state.intents = Array.isArray(data.intents) && data.intents.length ? data.intents : knownIntents(data.items);
    ui.reviewList.replaceChildren(...data.items.map(reviewItem));
    ui.reviewEmpty.hidden = data.items.length > 0;
    ui.reviewCounts.textContent = countsText(data.counts || {});
    ui.bulkIntent.replaceChildren(el('option', 'Choose an intent…'), ...state.intents.map((name) => el('option', name)));
    ui.bulkIntent.options[0].value = '';
    ui.bulkAll.checked = false;
    updateBulk();
  }

  function knownIntents(items) {
    const names = items.flatMap((item) => [item.predicted_intent, item.label]).filter(Boolean);
    return [...new Set(names)].sort();
  }

  function countsText(counts) {
    const parts = [['pending', 'pending'], ['labelled', 'labelled'], ['kb_gap', 'KB gaps'], ['dismissed', 'dismissed']];
    return `(${parts.map(([key, name]) => `${counts[key] || 0} ${name}`).join(' · ')})`;
  }

  function reasonText(reason) {
    if (reason.startsWith('escalation:')) return `handed to a person (${reason.slice(11).replace(/_/g, ' ')})`;
    return REASONS[reason] || reason;
  }

  function reviewItem(item) {
    const li = el('li', null, 'review-item');
    li.dataset.itemId = String(item.id);
    const reason = el('span', reasonText(item.reason), 'reason');
    if (item.reason.startsWith('escalation:')) reason.classList.add('reason-escalation');
    const predicted = item.predicted_intent
      ? `predicted ${item.predicted_intent} (${Math.round(item.confidence * 100)}%)` : 'no intent predicted';
    const meta = el('p', null, 'review-meta');
    meta.append(reason, el('span', predicted, 'predicted'), el('time', when(item.created_at)));
    const pick = el('input', null, 'review-select');
    pick.type = 'checkbox';
    pick.setAttribute('aria-label', `Select message ${item.id}`);
    pick.addEventListener('change', updateBulk);
    const text = el('p', null, 'review-text-line');
    text.append(pick, el('span', item.text, 'review-text'));
    li.append(text, meta, botSaid(item));
    if (item.why && item.why.rule) li.append(el('p', whyLine(item.why), 'review-why'));
    if (item.status !== 'pending') li.append(statusLine(item));
    const error = el('p', null, 'item-error');
    error.setAttribute('role', 'alert');
    error.hidden = true;
    li.append(reviewActions(item, error), error);
    return li;
  }

  // What the bot answered the message: the context an admin needs to judge what it should have understood.
  function botSaid(item) {
    if (typeof item.bot_said !== 'string') {
      return el('p', 'The bot’s reply is no longer kept (the conversation’s transcript has expired).', 'review-bot muted');
    }
    const line = el('p', null, 'review-bot');
    line.append(el('span', 'Bot said: ', 'review-bot-label'), el('q', item.bot_said));
    return line;
  }

  // The routing decision's record: which rule fired and the best articles it saw, with scores.
  function whyLine(why) {
    const articles = (why.candidates || []).map(([id, score]) => `${id} ${score.toFixed(2)}`).join(', ');
    return `Rule ${why.rule.replace(/_/g, ' ')}; articles: ${articles || 'none'}`;
  }

  function statusLine(item) {
    const label = item.status === 'labelled' ? ` as ${item.label}` : '';
    const by = item.reviewed_by ? ` by ${item.reviewed_by}, ${when(item.reviewed_at)}` : '';
    return el('p', `${item.status.replace('_', ' ')}${label}${by}`, 'review-status');
  }

  function reviewActions(item, error) {
    const box = el('div', null, 'review-actions');
    const select = el('select', null, 'intent-select');
    select.setAttribute('aria-label', `Intent for message ${item.id}`);
    select.append(el('option', 'Choose an intent…'), ...state.intents.map((name) => el('option', name)));
    select.options[0].value = '';
    if (item.status === 'labelled' && state.intents.includes(item.label)) select.value = item.label;
    const label = el('button', 'Label', 'button button-small button-primary label-btn');
    const gap = el('button', 'KB gap', 'button button-small button-secondary gap-btn');
    const dismiss = el('button', 'Dismiss', 'button button-small button-quiet dismiss-btn');
    for (const button of [label, gap, dismiss]) button.type = 'button';
    gap.disabled = item.status === 'kb_gap';
    dismiss.disabled = item.status === 'dismissed';
    const act = (body) => () => decide(item, body, error).catch((e) => showItemError(error, e.message));
    label.addEventListener('click', () => {
      if (!select.value) { showItemError(error, 'Choose the intent this message should have had.'); return; }
      act({ action: 'label', intent: select.value })();
    });
    gap.addEventListener('click', act({ action: 'kb_gap' }));
    dismiss.addEventListener('click', act({ action: 'dismiss' }));
    box.append(select, label, gap, dismiss);
    return box;
  }

  function showItemError(node, text) {
    node.textContent = text;
    node.hidden = !text;
  }

  async function decide(item, body, error) {
    showItemError(error, '');
    showMessage('');
    const position = reviewPosition(item.id);
    await api(`${API}/review/${item.id}`, { method: 'POST', json: body });
    showMessage(ACTION_DONE[body.action](body.intent));
    await loadReview();
    focusReviewAt(position);
  }

  const reviewItems = () => [...ui.reviewList.querySelectorAll('.review-item')];
  const reviewPosition = (itemId) => reviewItems().findIndex((li) => li.dataset.itemId === String(itemId));

  // After an action, focus stays where the admin was: on the item now in that place, else the heading.
  function focusReviewAt(position) {
    const items = reviewItems();
    const target = items[Math.min(Math.max(position, 0), items.length - 1)];
    const control = target && target.querySelector('.intent-select');
    if (control) control.focus();
    else ui.reviewHeading.focus();
  }

  // --- bulk actions on the selected review items ---------------------------------------------

  const selectedItems = () => reviewItems().filter((li) => li.querySelector('.review-select').checked);

  function updateBulk() {
    const count = selectedItems().length;
    ui.bulkCount.textContent = count ? `${count} selected` : 'None selected';
    ui.bulkGap.disabled = !count;
    ui.bulkDismiss.disabled = !count;
    ui.bulkLabel.disabled = !count;
    const all = reviewItems();
    ui.bulkAll.checked = all.length > 0 && count === all.length;
  }

  function selectAll() {
    for (const box of ui.reviewList.querySelectorAll('.review-select')) box.checked = ui.bulkAll.checked;
    updateBulk();
  }

  async function bulk(body, done) {
    const chosen = selectedItems();
    if (!chosen.length) return;
    if (body.action === 'label' && !body.intent) throw new Error('Choose the intent the selected messages should have had.');
    showMessage('');
    const first = reviewItems().indexOf(chosen[0]);
    const failures = [];
    for (const li of chosen) {
      try {
        await api(`${API}/review/${li.dataset.itemId}`, { method: 'POST', json: body });
      } catch (error) {
        failures.push(`message ${li.dataset.itemId}: ${error.message}`);
      }
    }
    await loadReview();
    showMessage(done(chosen.length - failures.length));
    if (failures.length) showError(`Not done for ${failures.join('; ')}`);
    focusReviewAt(first);
  }

  // --- models ------------------------------------------------------------------------------

  async function loadModels() {
    const data = await api(`${API}/models`);
    const rows = data.models.map(modelRow);
    const served = data.served && !data.served.registry_id ? servedRow(data.served, !data.live) : null;
    ui.modelRows.replaceChildren(...(served ? [served] : []), ...rows);
    ui.modelsEmpty.hidden = rows.length > 0 || served !== null;
    state.canRollBack = Boolean(data.can_roll_back);
    setBusy(state.jobRunning);
    if (state.selected && data.models.some((m) => m.id === state.selected)) await openModel(state.selected);
  }

  // The model Rasa runs that the registry does not hold (made by `make train`): adopted at the first promotion.
  function servedRow(served, live) {
    const row = el('tr', null, 'served-row');
    row.dataset.modelId = 'served';
    row.classList.toggle('is-live', live);
    const first = el('td');
    first.append(el('span', served.model_file || 'the model Rasa runs', 'served-name'),
      el('span', 'outside the registry', 'source-badge'));
    const hash = el('td', served.rasa_model_id ? served.rasa_model_id.slice(0, 12) : '—', 'hash');
    hash.title = `Rasa fingerprint ${served.rasa_model_id}`;
    const liveCell = el('td');
    if (live) liveCell.append(el('span', 'live', 'live-badge'));
    row.append(first, el('td', '—'), el('td', 'make train (adopted when a model is first promoted)'), hash,
      numberCell('not evaluated'), numberCell('—'), numberCell('—'), liveCell);
    return row;
  }

  function metricsOf(model) {
    const evaluation = model.evaluation;
    return evaluation ? evaluation.holdout || evaluation.cross_validation : null;
  }

  const percent = (value) => `${(value * 100).toFixed(1)} %`;
  const score = (value) => value.toFixed(3);
  const signed = (value) => `${value > 0 ? '+' : ''}${value.toFixed(3)}`;

  function numberCell(text, className) {
    const cell = el('td', text, 'number');
    if (className) cell.classList.add(className);
    return cell;
  }

  function deltaCell(delta) {
    if (delta === undefined || delta === null) return numberCell('—');
    return numberCell(signed(delta), delta > 0 ? 'delta-up' : delta < 0 ? 'delta-down' : '');
  }

  function modelRow(model) {
    const row = el('tr');
    row.dataset.modelId = model.id;
    row.classList.toggle('is-live', model.live);
    row.classList.toggle('selected', model.id === state.selected);
    const open = el('button', model.id, 'model-link');
    open.type = 'button';
    open.addEventListener('click', () => openModel(model.id).catch((error) => showError(error.message)));
    const first = el('td');
    first.append(open, el('span', model.source, 'source-badge'));
    const hash = el('td', model.data_hash ? model.data_hash.slice(0, 12) : '—', 'hash');
    hash.title = model.data_hash;
    const metrics = metricsOf(model);
    const comparison = model.evaluation && model.evaluation.comparison;
    const live = el('td');
    if (model.live) live.append(el('span', 'live', 'live-badge'));
    row.append(first, el('td', when(model.created_at)), el('td', model.trained_by), hash,
      numberCell(metrics ? percent(metrics.accuracy) : 'not evaluated'),
      numberCell(metrics ? score(metrics.macro_f1) : '—'),
      deltaCell(comparison ? comparison.macro_f1_delta : null), live);
    return row;
  }

  async function openModel(modelId) {
    const model = await api(`${API}/models/${encodeURIComponent(modelId)}`);
    state.selected = model.id;
    for (const row of ui.modelRows.querySelectorAll('tr')) row.classList.toggle('selected', row.dataset.modelId === model.id);
    ui.detail.hidden = false;
    ui.detailHeading.replaceChildren(el('span', `Model ${model.id}`));
    if (model.live) ui.detailHeading.append(el('span', 'live', 'live-badge'));
    ui.facts.replaceChildren(...facts(model));
    ui.comparison.textContent = comparisonText(model.evaluation);
    ui.reports.replaceChildren(...reports(model.evaluation));
    ui.history.replaceChildren(...model.events.map((e) => el('li', `${e.action.replace(/_/g, ' ')} by ${e.by}, ${when(e.at)}`)));
    if (!model.events.length) ui.history.append(el('li', 'never live'));
    ui.promote.dataset.live = String(model.live);
    setBusy(state.jobRunning);
    await showImages(model);
  }

  function closeModel() {
    state.selected = null;
    ui.detail.hidden = true;
    revokeImages();
    ui.images.replaceChildren();
  }

  function facts(model) {
    const evaluation = model.evaluation;
    const rows = [
      ['Source', model.source], ['Created', when(model.created_at)], ['Trained by', model.trained_by],
      ['Data hash (SHA-256)', model.data_hash || '—'], ['Rasa fingerprint', model.rasa_model_id],
      ['Training time', model.train_seconds ? `${Math.round(model.train_seconds)} s` : '—'],
      ['Held-out examples', `${model.heldout_examples} (${Math.round(model.holdout_fraction * 100)} %)`],
      ['Evaluated', evaluation ? `${when(evaluation.evaluated_at)} by ${evaluation.evaluated_by}` : 'not yet'],
    ];
    return rows.flatMap(([name, value]) => [el('dt', name), el('dd', value)]);
  }

  function comparisonText(evaluation) {
    const c = evaluation && evaluation.comparison;
    if (!c) return '';
    const seen = c.live_trained_on === null || c.live_trained_on === undefined
      ? '' : ` The live model was trained on ${c.live_trained_on} of these ${c.examples} examples.`;
    return `Against the live model (${c.live_model}) on the same ${c.examples} held-out examples: `
      + `accuracy ${signed(c.accuracy_delta)}, macro-F1 ${signed(c.macro_f1_delta)}.${seen}`;
  }

  function reports(evaluation) {
    if (!evaluation) return [el('p', 'Not evaluated yet: evaluate it to see its intent report.', 'muted small')];
    const deltas = evaluation.comparison ? evaluation.comparison.f1_delta_per_intent : null;
    const sets = [['Held-out split', evaluation.holdout, deltas],
      [`Cross-validation (${evaluation.folds} folds)`, evaluation.cross_validation, null]];
    const intentReports = sets.filter(([, metrics]) => metrics)
      .flatMap(([title, metrics, d]) => [el('h4', title), reportTable(metrics, d)]);
    return evaluation.containment ? [...containmentReport(evaluation.containment), ...intentReports] : intentReports;
  }

  // What the bot would do with the containment set's customer messages, candidate beside live.
  const CONTAINMENT_ROWS = [['contained_share', 'Contained (answered or right option offered)'],
    ['answered_right_share', 'Answered directly and right'], ['clarify_share', 'Right article offered'],
    ['wrong_share', 'Wrong answer', -1], ['false_escalation_share', 'Handed to a person needlessly', -1],
    ['boundary_accuracy', 'Boundary cases right'], ['escalation_share', 'Person / third-party / off-topic handed over']];

  function containmentReport(c) {
    const table = el('table', null, 'report');
    const heads = ['Customers\' messages', 'Candidate', ...(c.live ? ['Live', 'Difference'] : [])];
    const headRow = el('tr');
    headRow.append(...heads.map((h, i) => {
      const th = el('th', h, i ? 'number' : '');
      th.scope = 'col';
      return th;
    }));
    table.append(headRow);
    for (const [key, label, better = 1] of CONTAINMENT_ROWS) {
      const row = el('tr');
      const value = (figures) => (figures[key] === null || figures[key] === undefined ? '—' : percent(figures[key]));
      row.append(el('td', label), numberCell(value(c.candidate)));
      if (c.live) {
        const both = c.candidate[key] !== null && c.live[key] !== null;
        const delta = both ? c.candidate[key] - c.live[key] : null;
        const cell = deltaCell(delta);
        if (delta && better < 0) cell.className = `number ${delta > 0 ? 'delta-down' : 'delta-up'}`;
        row.append(numberCell(value(c.live)), cell);
      }
      table.append(row);
    }
    const title = `Containment set (${c.candidate.messages} customer messages)`
      + (c.live ? `, beside the live model ${c.live_model}` : ', live model not found');
    return [el('h4', title), table];
  }

  function reportTable(metrics, deltas) {
    const table = el('table', null, 'report');
    const heads = ['Intent', 'Precision', 'Recall', 'F1', 'Support', ...(deltas ? ['F1 vs live'] : [])];
    const headRow = el('tr');
    headRow.append(...heads.map((h, i) => {
      const th = el('th', h, i ? 'number' : '');
      th.scope = 'col';
      return th;
    }));
    const body = el('tbody');
    for (const [intent, s] of Object.entries(metrics.per_intent)) {
      const row = el('tr');
      row.append(el('td', intent), numberCell(score(s.precision)), numberCell(score(s.recall)),
        numberCell(score(s.f1)), numberCell(s.support));
      if (deltas) row.append(deltaCell(deltas[intent]));
      body.append(row);
    }
    const total = el('tr', null, 'summary');
    total.append(el('th', `Accuracy ${percent(metrics.accuracy)} · macro-F1 ${score(metrics.macro_f1)} · `
      + `weighted F1 ${score(metrics.weighted_f1)} · ${metrics.examples} examples`));
    total.firstChild.colSpan = heads.length;
    const head = el('thead');
    head.append(headRow);
    const foot = el('tfoot');
    foot.append(total);
    table.append(head, body, foot);
    return table;
  }

  function revokeImages() {
    for (const url of state.imageUrls) URL.revokeObjectURL(url);
    state.imageUrls = [];
  }

  async function showImages(model) {
    const files = model.evaluation ? model.evaluation.files.filter((name) => name.endsWith('.png')) : [];
    const figures = await Promise.all(files.map((name) => figure(model.id, name)));
    if (state.selected !== model.id) return; // another model was opened meanwhile
    revokeImages();
    state.imageUrls = figures.map((f) => f.url).filter(Boolean);
    ui.images.replaceChildren(...figures.map((f) => f.node));
  }

  async function figure(modelId, name) {
    const node = el('figure');
    const caption = el('figcaption', name.replace(/^evaluation\//, '').replace(/_/g, ' '));
    try {
      const response = await request(`${API}/models/${encodeURIComponent(modelId)}/files/${name}`);
      const url = URL.createObjectURL(await response.blob());
      const image = el('img');
      image.alt = `${name.split('/').pop().replace(/_|\.png$/g, ' ').trim()} of model ${modelId}`;
      image.src = url;
      node.append(image, caption);
      return { node, url };
    } catch (error) {
      node.append(el('p', `Could not load ${name}: ${error.message}`, 'item-error'), caption);
      return { node, url: null };
    }
  }

  // --- jobs: train, evaluate, promote, roll back --------------------------------------------

  async function pollJob() {
    clearTimeout(state.jobTimer);
    if (!staff.signedIn()) return;
    const { job } = await api(`${API}/job`);
    const running = Boolean(job && job.state === 'running');
    const finished = state.jobRunning && !running;
    state.jobRunning = running;
    renderJob(job);
    setBusy(running);
    if (running) state.jobTimer = setTimeout(() => pollJob().catch((e) => showError(e.message)), JOB_POLL_MS);
    if (finished) await afterJob(job);
  }

  async function afterJob(job) {
    if (job && job.state === 'succeeded' && job.model_id) state.selected = job.model_id;
    await loadModels();
  }

  function renderJob(job) {
    ui.job.hidden = !job;
    if (!job) return;
    ui.job.classList.toggle('job-running', job.state === 'running');
    const model = job.model_id ? ` — model ${job.model_id}` : '';
    const progress = job.state === 'running' && job.progress ? `: ${job.progress}` : '';
    const ended = job.finished_at ? `, ended ${when(job.finished_at)}` : '';
    ui.jobText.textContent = `${job.kind} by ${job.started_by}, started ${when(job.started_at)}: `
      + `${job.state}${progress}${ended}${model}`;
    const percentDone = /(\d+(?:\.\d+)?)%$/.exec(job.progress || '');
    ui.jobProgress.hidden = job.state !== 'running';
    if (percentDone) ui.jobProgress.value = Number(percentDone[1]);
    else ui.jobProgress.removeAttribute('value'); // indeterminate
    ui.jobError.textContent = job.error;
    ui.jobError.hidden = !job.error;
  }

  function setBusy(busy) {
    ui.train.disabled = busy;
    ui.rollback.disabled = busy || !state.canRollBack;
    ui.rollback.title = state.canRollBack ? 'Return to the model that was live before the current one'
      : NOTHING_TO_ROLL_BACK;
    ui.evaluate.disabled = busy;
    ui.promote.disabled = busy || ui.promote.dataset.live === 'true';
  }

  async function train() {
    const question = 'Train a new model from the training data? It takes several minutes and uses the server\'s '
      + 'processor; the live model keeps answering until you evaluate and promote the new one.';
    if (!window.confirm(question)) return;
    const job = await api(`${API}/train`, { method: 'POST' });
    startedJob(job, 'Training started: the live model is not touched until you promote one.');
  }

  async function evaluate() {
    const folds = ui.folds.value.trim();
    const body = folds === '' ? {} : { folds: Number(folds) };
    const job = await api(`${API}/models/${encodeURIComponent(state.selected)}/evaluate`, { method: 'POST', json: body });
    startedJob(job, `Evaluating ${state.selected}.`);
  }

  function startedJob(job, text) {
    showMessage(text);
    state.jobRunning = true;
    renderJob(job);
    setBusy(true);
    clearTimeout(state.jobTimer);
    state.jobTimer = setTimeout(() => pollJob().catch((e) => showError(e.message)), JOB_POLL_MS);
  }

  async function promote() {
    const modelId = state.selected;
    if (!window.confirm(`Make ${modelId} live on every Rasa server?`)) return;
    await switchModel(`${API}/models/${encodeURIComponent(modelId)}/promote`, { force: ui.force.checked },
      `Promoting ${modelId}…`, (model) => `${model.id} is live.`);
  }

  async function rollback() {
    if (!window.confirm('Return every Rasa server to the model that was live before the current one?')) return;
    await switchModel(`${API}/rollback`, undefined, 'Rolling back…', (model) => `Rolled back: ${model.id} is live again.`);
  }

  async function switchModel(path, json, pending, done) {
    showMessage(pending);
    setBusy(true);
    try {
      const model = await api(path, { method: 'POST', json });
      showMessage(done(model));
      state.selected = model.id;
    } catch (error) {
      showMessage('');
      throw error;
    } finally {
      await Promise.all([loadModels(), pollJob()]);
      focusModel(state.selected);
    }
  }

  // Focus stays on the model the action was about (its link in the table), not lost to the page.
  function focusModel(modelId) {
    const link = [...ui.modelRows.querySelectorAll('tr')].find((row) => row.dataset.modelId === modelId);
    const target = link && link.querySelector('.model-link');
    if (target) target.focus();
  }

  // --- wiring ------------------------------------------------------------------------------

  const guarded = (handler) => () => handler().catch((error) => showError(error.message));

  ui.reviewFilter.addEventListener('change', guarded(loadReview));
  ui.reviewRefresh.addEventListener('click', guarded(loadReview));
  ui.train.addEventListener('click', guarded(train));
  ui.rollback.addEventListener('click', guarded(rollback));
  ui.evaluate.addEventListener('click', guarded(evaluate));
  ui.promote.addEventListener('click', guarded(promote));
  ui.webhookForm.addEventListener('submit', (event) => addWebhook(event).catch((error) => showError(error.message)));
  ui.deliveryFilter.addEventListener('change', guarded(loadDeliveries));
  ui.deliveryRefresh.addEventListener('click', guarded(() => Promise.all([loadWebhooks(), loadDeliveries()])));
  ui.bulkAll.addEventListener('change', selectAll);
  ui.bulkDismiss.addEventListener('click', guarded(() => bulk({ action: 'dismiss' }, (n) => `Dismissed ${n}.`)));
  ui.bulkGap.addEventListener('click', guarded(() => bulk({ action: 'kb_gap' },
    (n) => `Marked ${n} as knowledge-base gaps: the content team sees them under Gaps on the Knowledge base page.`)));
  ui.bulkLabel.addEventListener('click', guarded(() => bulk({ action: 'label', intent: ui.bulkIntent.value },
    (n) => `Labelled ${n} as ${ui.bulkIntent.value}: they join the training data of the next model.`)));

  staff.start();
})();
