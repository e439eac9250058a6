/*
 * Tandem service dashboard.
 *
 * Signs in with staff.js (any role), then reads, for the chosen period:
 *   GET /api/metrics/summary  (supervisor, admin)   figures for the tiles, charts and tables
 *   GET /api/metrics/csat     (supervisor, admin)   the latest rating comments
 *   GET /api/metrics/labels   (supervisor, admin)   the labels agents used, for the label filter
 *   GET /api/reports/service  (supervisor, admin)   the service report as HTML, PDF or CSV
 *   GET /api/reports/kb-gaps  (content, admin)      unanswered questions grouped by meaning
 * Charts are drawn as SVG here (no chart library, nothing loaded from elsewhere). Every value
 * from the server goes into the page through textContent, never innerHTML.
 */
(() => {
  'use strict';

  const METRICS_ROLES = new Set(['supervisor', 'admin']);
  const GAPS_ROLES = new Set(['content', 'admin']);
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const OUTCOMES = [
    ['bot_resolved', 'Resolved by the bot', '#2e7d32'],
    ['agent_resolved', 'Resolved by an agent', '#1565c0'],
    ['escalated_unresolved', 'Escalated, unresolved', '#ef6c00'],
    ['abandoned', 'Abandoned', '#9e9e9e'],
  ];
  const CSAT_COLOURS = ['#c62828', '#ef6c00', '#9e9e9e', '#7cb342', '#2e7d32'];

  const $ = (id) => document.getElementById(id);
  const ui = {
    periodForm: $('period-form'), from: $('period-from'), to: $('period-to'), zone: $('period-zone'),
    label: $('period-label'),
    loading: $('loading'), error: $('dashboard-error'), metrics: $('metrics-section'), kpis: $('kpis'),
    gapsSection: $('gaps-section'), gaps: $('gaps'), agents: $('agents'), comments: $('comments'),
    noAccess: $('no-access'),
  };

  // Every role may sign in: the role decides which sections show (none: a note says so).
  const staff = TandemStaff.page({ key: 'dashboard', enter: start });
  let role = null;

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

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (text != null) node.textContent = text;
    return node;
  }

  /* ---------- formatting ---------- */

  const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)} %`);
  const secs = (v) => (v == null ? '—' : (v < 100 ? `${v.toFixed(1)} s` : `${Math.round(v)} s`));

  function isoDay(date) {
    const local = new Date(date.getTime() - date.getTimezoneOffset() * 60000);
    return local.toISOString().slice(0, 10);
  }

  function addDays(day, n) {
    const date = new Date(`${day}T12:00:00`);
    date.setDate(date.getDate() + n);
    return isoDay(date);
  }

  /* ---------- server ---------- */

  // The period, and the label filter unless `withLabel` is false (the list of labels is for the whole period).
  function periodQuery(withLabel = true) {
    const params = new URLSearchParams({ since: `${ui.from.value}T00:00:00`, until: `${addDays(ui.to.value, 1)}T00:00:00` });
    if (withLabel && ui.label.value) params.set('label', ui.label.value);
    return params.toString();
  }

  /* ---------- signed in ---------- */

  function start(account) {
    role = account.role;
    ui.metrics.hidden = !METRICS_ROLES.has(role);
    ui.gapsSection.hidden = !GAPS_ROLES.has(role);
    ui.noAccess.hidden = METRICS_ROLES.has(role) || GAPS_ROLES.has(role);
    if (!ui.from.value) setPeriod(7);
    refresh();
  }

  /* ---------- loading ---------- */

  function setPeriod(days) {
    const today = isoDay(new Date());
    ui.to.value = today;
    ui.from.value = addDays(today, 1 - days);
  }

  function showError(text) {
    ui.error.textContent = text;
    ui.error.hidden = !text;
  }

  // Loads run concurrently; only the newest one may draw, so a slow answer for an older period
  // never replaces a newer one.
  let latestLoad = 0;

  async function refresh() {
    if (!ui.from.value || !ui.to.value || ui.from.value > ui.to.value) {
      showError('Choose a start date on or before the end date.');
      return;
    }
    showError('');
    ui.loading.textContent = 'Loading…';
    const load = ++latestLoad;
    const query = periodQuery();
    try {
      const jobs = [];
      if (METRICS_ROLES.has(role)) jobs.push(loadMetrics(query));
      if (GAPS_ROLES.has(role)) jobs.push(loadGaps(query));
      const draws = await Promise.all(jobs);
      if (load !== latestLoad) return;
      for (const draw of draws) draw();
      ui.loading.textContent = '';
      document.body.dataset.loaded = query; // lets tests wait for a finished load
    } catch (err) {
      if (load !== latestLoad) return;
      ui.loading.textContent = '';
      showError(err.message);
    }
  }

  async function loadMetrics(query) {
    const [metrics, csat, labels] = await Promise.all([
      staff.api(`/api/metrics/summary?${query}`),
      staff.api(`/api/metrics/csat?${query}&limit=20`),
      staff.api(`/api/metrics/labels?${periodQuery(false)}`),
    ]);
    return () => {
      ui.zone.textContent = `Times in ${metrics.period.timezone}`;
      renderLabelOptions(labels);
      renderKpis(metrics);
      renderCharts(metrics);
      renderAgents(metrics.agents);
      renderComments(csat.comments);
    };
  }

  // The labels agents put on the period's conversations (most used first); the chosen one stays listed.
  function renderLabelOptions(labels) {
    const chosen = ui.label.value;
    const names = Object.keys(labels || {});
    if (chosen && !names.includes(chosen)) names.push(chosen);
    ui.label.replaceChildren(h('option', { value: '', text: 'All conversations' }),
      ...names.map((name) => h('option', { value: name, text: `${name} (${labels[name] ?? 0})` })));
    ui.label.value = chosen;
  }

  async function loadGaps(query) {
    const body = await staff.api(`/api/reports/kb-gaps?${query}&limit=30`);
    return () => renderGaps(body.clusters);
  }

  function renderGaps(clusters) {
    ui.gaps.replaceChildren(...clusters.map((cluster) => h('li', { class: 'gap' }, [
      h('div', { class: 'gap-head' }, [h('span', { class: 'gap-label', text: cluster.label }),
        h('span', { class: 'gap-size', text: `${cluster.size}×` })]),
      cluster.examples.length > 1
        ? h('ul', {}, cluster.examples.slice(1).map((example) => h('li', { text: example })))
        : null,
    ])));
    if (!clusters.length) ui.gaps.append(h('li', { class: 'empty', text: 'No unanswered questions in this period.' }));
  }

  async function openReport(format) {
    showError('');
    try {
      const response = await staff.request(`/api/reports/service?${periodQuery()}&format=${format}`);
      const url = URL.createObjectURL(await response.blob());
      if (format === 'csv') {
        const link = h('a', { href: url, download: `tandem-service-report_${ui.from.value}_${ui.to.value}.csv` });
        document.body.append(link);
        link.click();
        link.remove();
      } else {
        window.open(url, '_blank', 'noopener');
      }
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (err) {
      showError(err.message);
    }
  }

  /* ---------- figures ---------- */

  function kpi(id, label, value, note, met) {
    const cls = `kpi${met === true ? ' is-met' : met === false ? ' is-missed' : ''}`;
    return h('div', { class: cls, 'data-kpi': id }, [
      h('div', { class: 'kpi-label', text: label }),
      h('div', { class: 'kpi-value', text: value }),
      note ? h('div', { class: 'kpi-note', text: note }) : null,
    ]);
  }

  function renderKpis(m) {
    const first = m.first_response;
    ui.kpis.replaceChildren(
      kpi('conversations', 'Conversations', String(m.conversations),
        `${m.billable.technical_support_sessions} handled by agents`),
      kpi('resolution', 'Resolution rate', pct(m.resolution_rate), 'bot + agent resolved'),
      kpi('containment', 'Bot containment', pct(m.containment), 'resolved without a person'),
      kpi('escalation', 'Escalation rate', pct(m.escalation_rate), `${m.escalations_by_reason ? Object.keys(m.escalations_by_reason).length : 0} reasons`),
      kpi('csat', 'CSAT (4-5 of 5)', pct(m.csat.csat), `${m.csat.responses} ratings · ${pct(m.csat.response_rate)} responded`),
      kpi('first-response', `First response ≤ ${first.target_s} s`, pct(first.share_within_target),
        `${first.within_target} of ${first.counted}`),
      kpi('first-response-times', 'First response median / p95', `${secs(first.times.median)} / ${secs(first.times.p95)}`),
      kpi('agent-reply', 'Agent reply median / p95', `${secs(m.agent_response.median)} / ${secs(m.agent_response.p95)}`),
      kpi('queue-wait', 'Queue wait median / p95', `${secs(m.queue_wait.median)} / ${secs(m.queue_wait.p95)}`,
        `${m.queue_abandoned} left while waiting`),
      kpi('handling', 'Handling median / p95', `${secs(m.handling.median)} / ${secs(m.handling.p95)}`),
    );
  }

  function renderCharts(m) {
    const days = m.volume_by_day;
    barChart($('chart-days'), {
      title: 'Conversations per day', labels: days.map((d) => d.date.slice(5)), stacked: true,
      series: OUTCOMES.map(([key, name, colour]) => ({ name, colour, values: days.map((d) => d.by_outcome[key] || 0) })),
    });
    barChart($('chart-hours'), {
      title: 'Conversations by hour of the day', labels: m.volume_by_hour.map((x) => String(x.hour)),
      series: [{ name: 'Conversations', colour: '#4f46e5', values: m.volume_by_hour.map((x) => x.conversations) }],
      notes: m.volume_by_hour.map((x) => `first response within target: ${pct(x.first_response_within_target)}`),
    });
    barChart($('chart-outcomes'), {
      title: 'Outcomes', horizontal: true, labels: OUTCOMES.map(([, name]) => name),
      series: [{ name: 'Conversations', colours: OUTCOMES.map(([, , c]) => c), values: OUTCOMES.map(([k]) => m.by_outcome[k] || 0) }],
    });
    const reasons = Object.entries(m.escalations_by_reason);
    barChart($('chart-reasons'), {
      title: 'Escalations by reason', horizontal: true, labels: reasons.map(([r]) => r.replaceAll('_', ' ')),
      series: [{ name: 'Conversations', colour: '#ef6c00', values: reasons.map(([, n]) => n) }],
      notes: reasons.map(([r]) => pct(m.escalation_rate_by_reason[r])),
    });
    barChart($('chart-csat'), {
      title: 'Customer ratings', labels: ['1', '2', '3', '4', '5'],
      series: [{ name: 'Ratings', colours: CSAT_COLOURS, values: [1, 2, 3, 4, 5].map((s) => m.csat.distribution[String(s)] || 0) }],
    });
    const times = [['first response', m.first_response.times], ['bot reply', m.bot_response],
      ['agent reply', m.agent_response], ['queue wait', m.queue_wait], ['handling', m.handling]];
    barChart($('times'), {
      title: 'Response and handling times', labels: times.map(([name]) => name), format: secs,
      series: [{ name: 'median', colour: '#4f46e5', values: times.map(([, d]) => d.median || 0) },
        { name: '95th percentile', colour: '#a5b4fc', values: times.map(([, d]) => d.p95 || 0) }],
    });
  }

  function niceMax(value) {
    const magnitude = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 2.5, 5, 10].map((step) => step * magnitude).find((candidate) => candidate >= value);
  }

  // Bars (stacked or side by side, upright or lying), with a value axis, a hover title per bar,
  // and a legend when there are several series.
  function barChart(container, { title, labels, series, stacked = false, horizontal = false, notes = [], format = String }) {
    const width = 640;
    const height = horizontal ? Math.max(120, labels.length * 30 + 30) : 220;
    const pad = { top: 10, right: 16, bottom: horizontal ? 22 : 34, left: horizontal ? 150 : 44 };
    const totals = labels.map((_, i) => (stacked
      ? series.reduce((sum, s) => sum + (s.values[i] || 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] || 0))));
    const max = niceMax(Math.max(1, ...totals));
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
    for (let t = 0; t <= 4; t += 1) {
      const value = (max * t) / 4;
      if (horizontal) {
        const x = pad.left + (plotW * t) / 4;
        root.append(svg('line', { x1: x, x2: x, y1: pad.top, y2: pad.top + plotH, stroke: '#e2e2e8' }),
          svg('text', { x, y: height - 6, 'text-anchor': 'middle' }, format(value)));
      } else {
        const y = pad.top + plotH - (plotH * t) / 4;
        root.append(svg('line', { x1: pad.left, x2: pad.left + plotW, y1: y, y2: y, stroke: '#e2e2e8' }),
          svg('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end' }, format(value)));
      }
    }
    const band = (horizontal ? plotH : plotW) / Math.max(1, labels.length);
    const every = Math.ceil(labels.length / 16);
    labels.forEach((label, i) => {
      let offset = 0;
      series.forEach((s, j) => {
        const value = s.values[i] || 0;
        const size = ((horizontal ? plotW : plotH) * value) / max;
        const thick = stacked ? band * 0.75 : (band * 0.75) / series.length;
        const start = i * band + band * 0.125 + (stacked ? 0 : j * thick);
        const rect = horizontal
          ? svg('rect', { x: pad.left + offset, y: pad.top + start, width: size, height: thick })
          : svg('rect', { x: pad.left + start, y: pad.top + plotH - offset - size, width: thick, height: size });
        rect.setAttribute('fill', s.colours ? s.colours[i % s.colours.length] : s.colour);
        rect.setAttribute('class', 'bar');
        rect.dataset.label = label;
        rect.dataset.series = s.name;
        rect.dataset.value = String(value);
        rect.append(svg('title', {}, `${label} · ${s.name}: ${format(value)}${notes[i] ? ` (${notes[i]})` : ''}`));
        root.append(rect);
        if (stacked) offset += size;
      });
      if (horizontal) {
        root.append(svg('text', { x: pad.left - 8, y: pad.top + i * band + band / 2 + 4, 'text-anchor': 'end' }, label));
      } else if (i % every === 0) {
        root.append(svg('text', { x: pad.left + i * band + band / 2, y: height - 14, 'text-anchor': 'middle' }, label));
      }
    });
    const children = [root];
    if (series.length > 1) {
      children.push(h('div', { class: 'legend' }, series.map((s) => h('span', {}, [
        h('span', { class: 'legend-swatch', style: `background:${s.colour}` }), s.name]))));
    }
    container.replaceChildren(...children);
  }

  function renderAgents(agents) {
    const head = h('tr', {}, ['Agent', 'Conversations', 'Resolved', 'Handling median', 'Reply median']
      .map((text, i) => h('th', { class: i ? 'num' : null, text })));
    const rows = agents.map((a) => h('tr', {}, [
      h('td', { text: a.agent_name }), h('td', { class: 'num', text: String(a.conversations) }),
      h('td', { class: 'num', text: String(a.resolved) }), h('td', { class: 'num', text: secs(a.handling.median) }),
      h('td', { class: 'num', text: secs(a.agent_response.median) })]));
    if (!rows.length) rows.push(h('tr', {}, [h('td', { colspan: 5, class: 'empty', text: 'No conversation reached an agent.' })]));
    ui.agents.replaceChildren(h('thead', {}, [head]), h('tbody', {}, rows));
  }

  function renderComments(comments) {
    const items = comments.map((c) => h('li', {}, [
      h('div', { class: 'comment-meta', text: `${c.score}/5 · ${c.ended_at.replace('T', ' ')} · ${c.outcome.replaceAll('_', ' ')}` }),
      h('div', { class: 'comment-text', text: c.text })]));
    ui.comments.replaceChildren(...(items.length ? items : [h('li', { class: 'empty', text: 'No comments in this period.' })]));
  }

  /* ---------- start ---------- */

  ui.periodForm.addEventListener('submit', (event) => { event.preventDefault(); refresh(); });
  ui.label.addEventListener('change', refresh);
  for (const button of document.querySelectorAll('[data-days]')) {
    button.addEventListener('click', () => { setPeriod(Number(button.dataset.days)); refresh(); });
  }
  for (const button of document.querySelectorAll('[data-report]')) {
    button.addEventListener('click', () => openReport(button.dataset.report));
  }
  staff.start();
})();
