/*
 * Tandem service dashboard.
 *
 * Signs in with staff.js (any role), then reads, for the chosen period:
 *   GET /api/metrics/summary  (supervisor, admin)   figures for the tiles, charts and tables
 *   GET /api/metrics/csat     (supervisor, admin)   the latest rating comments
 *   GET /api/metrics/labels   (supervisor, admin)   the labels agents used, for the label filter
 *   GET /api/reports/service  (supervisor, admin)   the service report as HTML, PDF or CSV
 *   GET /api/reports/kb-gaps  (content, admin)      unanswered questions grouped by meaning
 * Tiles, charts and comments link to the conversations page (/conversations) with its filters set to the
 * conversations behind the figure. Charts are drawn as SVG here (no chart library, nothing loaded from elsewhere). Every value
 * from the server goes into the page through textContent, never innerHTML.
 */
(() => {
  'use strict';

  const METRICS_ROLES = new Set(['supervisor', 'admin']);
  const GAPS_ROLES = new Set(['content', 'admin']);
  const SVG_NS = 'http://www.w3.org/2000/svg';
  // Outcome codes and their colours; their words come from the server (outcomes/labels.py), with these as fallback.
  const OUTCOMES = [
    ['bot_resolved', '#2e7d32'],
    ['agent_resolved', '#1565c0'],
    ['escalated_unresolved', '#ef6c00'],
    ['abandoned', '#9e9e9e'],
  ];
  const CSAT_COLOURS = ['#c62828', '#ef6c00', '#9e9e9e', '#7cb342', '#2e7d32'];

  const $ = (id) => document.getElementById(id);
  const ui = {
    periodForm: $('period-form'), from: $('period-from'), to: $('period-to'), zone: $('period-zone'),
    label: $('label-filter'),
    loading: $('loading'), error: $('dashboard-error'), metrics: $('metrics-section'), kpis: $('kpis'),
    gapsSection: $('gaps-section'), gaps: $('gaps'), agents: $('agents'), comments: $('comments'),
    noAccess: $('no-access'), periodLabel: $('period-label'), comparison: $('comparison'),
    conversationsLink: $('conversations-link'),
  };
  // The service's time zone (config: tandem.service.timezone): "today" and every day boundary are its, not the browser's.
  const ZONE = ui.periodForm.dataset.timezone || 'UTC';
  let labels = { outcomes: {}, reasons: {} };

  // Every role may sign in: the role decides which sections show (none: a note says so).
  const staff = TandemStaff.page({ key: 'dashboard', enter: start });
  let role = null;

  function svg(tag, attrs = {}, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    if (text != null) node.textContent = text;
    return node;
  }

  /* ---------- formatting ---------- */

  const pct = (v) => (v == null ? '—' : `${(v * 100).toFixed(1)} %`);
  const secs = (v) => (v == null ? '—' : (v < 100 ? `${v.toFixed(1)} s` : `${Math.round(v)} s`));

  const spelledOut = (code) => { const words = String(code || '').replaceAll('_', ' '); return words.charAt(0).toUpperCase() + words.slice(1); };
  const outcomeLabel = (code) => labels.outcomes[code] || spelledOut(code);
  const reasonLabel = (code) => labels.reasons[code] || spelledOut(code);

  const { h, addDays } = TandemStaff;
  const today = () => TandemStaff.today(ZONE);

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
    const last = today();
    ui.to.value = last;
    ui.from.value = addDays(last, 1 - days);
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
    const [metrics, csat, tagged] = await Promise.all([
      staff.api(`/api/metrics/summary?${query}`),
      staff.api(`/api/metrics/csat?${query}&limit=20`),
      staff.api(`/api/metrics/labels?${periodQuery(false)}`),
    ]);
    return () => {
      renderLabelOptions(tagged);
      labels = metrics.labels || labels;
      ui.zone.textContent = `Days in ${metrics.period.timezone}, the service's time zone`;
      ui.periodLabel.textContent = metrics.period.label;
      ui.comparison.textContent = metrics.previous
        ? `Compared with the previous period of the same length, ${metrics.previous.period.label}.` : '';
      renderKpis(metrics);
      renderCharts(metrics);
      renderAgents(metrics.agents);
      renderComments(csat.comments);
      ui.conversationsLink.href = conversationsUrl();
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

  // The API sends each report as a download (Content-Disposition: attachment) named after the period's first and
  // last day. The request needs the bearer token, so the file is fetched and then saved under the server's name
  // through a temporary download link: nothing opens in a tab, and the saved file does not depend on the blob URL.
  function attachmentName(header) {
    const match = /filename="([^"]+)"/.exec(header || '');
    return match ? match[1] : '';
  }

  async function downloadReport(format) {
    showError('');
    try {
      const response = await staff.request(`/api/reports/service?${periodQuery()}&format=${format}`);
      const name = attachmentName(response.headers.get('Content-Disposition')) || `tandem-service-report.${format}`;
      const url = URL.createObjectURL(await response.blob());
      const link = h('a', { href: url, download: name, hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      showError(err.message);
    }
  }

  /* ---------- figures ---------- */

  const TARGET_UNITS = { hours_covered: (v) => `${v} h` };

  // A tile: the figure, what it is based on, its target (met or missed, in words as well as colour) and the change
  // from the previous period.
  function kpi({ id, label, value, note, check, change, link }) {
    const met = check ? check.met : null;
    const cls = `kpi${met === true ? ' is-met' : met === false ? ' is-missed' : ''}`;
    const target = check
      ? h('div', { class: 'kpi-target', text: `Target ${(TARGET_UNITS[check.name] || pct)(check.target)} · ${
        met === true ? 'met' : met === false ? 'missed' : 'no data'}` })
      : null;
    return h('div', { class: cls, 'data-kpi': id }, [
      h('div', { class: 'kpi-label', text: label }),
      h('div', { class: 'kpi-value', text: value }),
      target,
      note ? h('div', { class: 'kpi-note', text: note }) : null,
      change ? h('div', { class: 'kpi-change', text: change }) : null,
      link ? h('a', { class: 'kpi-link', href: conversationsUrl(link), text: 'Show the conversations',
        'aria-label': `Show the conversations: ${label}` }) : null,
    ]);
  }

  // "▲ 2.0 pts on the previous period (71.0 %)": how a figure moved; rates in percentage points.
  function change(current, previous, kind) {
    if (previous === undefined) return '';
    if (previous == null) return 'previous period: no data';
    const shown = kind === 'pct' ? pct(previous) : kind === 'secs' ? secs(previous) : String(previous);
    if (current == null) return `previous period: ${shown}`;
    const diff = kind === 'pct' ? (current - previous) * 100 : current - previous;
    const amount = kind === 'pct' ? `${Math.abs(diff).toFixed(1)} pts` : kind === 'secs' ? secs(Math.abs(diff)) : String(Math.abs(diff));
    const arrow = diff > 0 ? '▲' : diff < 0 ? '▼' : '=';
    return diff === 0 ? `= previous period (${shown})` : `${arrow} ${amount} on the previous period (${shown})`;
  }

  function renderKpis(m) {
    const first = m.first_response;
    const p = m.previous;
    const was = (pick) => (p ? pick(p) : undefined);
    const checks = Object.fromEntries((m.checks || []).map((c) => [c.name, c]));
    const median = (d) => `${secs(d.median)} / ${secs(d.p95)}`;
    ui.kpis.replaceChildren(
      kpi({ id: 'conversations', label: 'Conversations', value: String(m.conversations),
        note: `${m.billable.technical_support_sessions} handled by agents`,
        change: change(m.conversations, was((x) => x.conversations), 'count'), link: {} }),
      kpi({ id: 'resolution', label: 'Resolution rate', value: pct(m.resolution_rate), note: 'resolved by the bot or an agent',
        check: checks.resolution_rate, change: change(m.resolution_rate, was((x) => x.resolution_rate), 'pct') }),
      kpi({ id: 'containment', label: 'Bot containment', value: pct(m.containment), note: 'resolved without a person',
        check: checks.containment, change: change(m.containment, was((x) => x.containment), 'pct'),
        link: { outcome: 'bot_resolved' } }),
      kpi({ id: 'csat', label: 'CSAT (4-5 of 5)', value: pct(m.csat.csat),
        note: `${m.csat.responses} ratings · ${pct(m.csat.response_rate)} responded`, check: checks.csat,
        change: change(m.csat.csat, was((x) => x.csat.csat), 'pct') }),
      kpi({ id: 'first-response', label: `First response ≤ ${first.target_s} s`, value: pct(first.share_within_target),
        note: `${first.within_target} of ${first.counted} conversations`, check: checks.first_response,
        change: change(first.share_within_target, was((x) => x.first_response.share_within_target), 'pct') }),
      kpi({ id: 'abandonment', label: 'Abandonment rate', value: pct(m.abandonment_rate),
        note: `${m.by_outcome.abandoned || 0} conversations · ${m.queue_abandoned} left while waiting for an agent`,
        change: change(m.abandonment_rate, was((x) => x.abandonment_rate), 'pct'), link: { outcome: 'abandoned' } }),
      kpi({ id: 'escalation', label: 'Escalation rate', value: pct(m.escalation_rate),
        note: `${Object.keys(m.escalations_by_reason).length} reasons`,
        change: change(m.escalation_rate, was((x) => x.escalation_rate), 'pct') }),
      kpi({ id: 'first-agent-reply', label: 'First agent reply median / p95', value: median(m.first_agent_reply),
        note: m.first_agent_reply.count ? `handed over → an agent's first reply · ${m.first_agent_reply.count} conversations`
          : 'no agent replied in this period',
        change: change(m.first_agent_reply.median, was((x) => x.first_agent_reply.median), 'secs') }),
      kpi({ id: 'first-response-times', label: 'First response median / p95', value: median(first.times),
        change: change(first.times.median, was((x) => x.first_response.times.median), 'secs') }),
      kpi({ id: 'agent-reply', label: 'Agent reply median / p95', value: median(m.agent_response),
        note: m.agent_response.count ? `${m.agent_response.count} replies to a waiting customer`
          : 'no agent reply to a waiting customer in this period' }),
      kpi({ id: 'queue-wait', label: 'Queue wait median / p95', value: median(m.queue_wait),
        note: `${m.queue_abandoned} left while waiting`,
        change: change(m.queue_wait.median, was((x) => x.queue_wait.median), 'secs') }),
      kpi({ id: 'handling', label: 'Handling median / p95', value: median(m.handling),
        change: change(m.handling.median, was((x) => x.handling.median), 'secs') }),
    );
  }

  function renderCharts(m) {
    const days = m.volume_by_day;
    const none = 'No conversations in this period.';
    barChart($('chart-days'), {
      title: 'Conversations per day', labels: days.map((d) => d.date.slice(5)), stacked: true, empty: none, integer: true,
      series: OUTCOMES.map(([key, colour]) => ({ name: outcomeLabel(key), colour, values: days.map((d) => d.by_outcome[key] || 0) })),
    });
    barChart($('chart-hours'), {
      title: 'Conversations by hour of the day', labels: m.volume_by_hour.map((x) => String(x.hour)), empty: none,
      integer: true, series: [{ name: 'Conversations', colour: '#4f46e5', values: m.volume_by_hour.map((x) => x.conversations) }],
      notes: m.volume_by_hour.map((x) => `first response within target: ${pct(x.first_response_within_target)}`),
    });
    barChart($('chart-outcomes'), {
      title: 'Outcomes', horizontal: true, labels: OUTCOMES.map(([key]) => outcomeLabel(key)), empty: none, integer: true,
      series: [{ name: 'Conversations', colours: OUTCOMES.map(([, c]) => c), values: OUTCOMES.map(([k]) => m.by_outcome[k] || 0) }],
      links: OUTCOMES.map(([key]) => ({ outcome: key })),
    });
    const reasons = Object.entries(m.escalations_by_reason);
    barChart($('chart-reasons'), {
      title: 'Escalations by reason', horizontal: true, labels: reasons.map(([r]) => reasonLabel(r)), integer: true,
      empty: 'No escalations in this period.',
      series: [{ name: 'Conversations', colour: '#ef6c00', values: reasons.map(([, n]) => n) }],
      notes: reasons.map(([r]) => `${pct(m.escalation_rate_by_reason[r])} of all conversations`),
      links: reasons.map(([r]) => ({ reason: r })),
    });
    barChart($('chart-csat'), {
      title: 'Customer ratings', labels: ['1', '2', '3', '4', '5'], integer: true, empty: 'No ratings in this period.',
      series: [{ name: 'Ratings', colours: CSAT_COLOURS, values: [1, 2, 3, 4, 5].map((s) => m.csat.distribution[String(s)] || 0) }],
      links: [1, 2, 3, 4, 5].map((score) => ({ rating: String(score) })),
    });
    const times = [['first response', m.first_response.times], ['bot reply', m.bot_response],
      ['agent reply', m.agent_response], ['queue wait', m.queue_wait], ['first agent reply', m.first_agent_reply],
      ['handling', m.handling]];
    barChart($('times'), {
      title: 'Response and handling times', labels: times.map(([name]) => name), format: secs, horizontal: true,
      empty: 'No replies in this period.',
      series: [{ name: 'median', colour: '#4f46e5', values: times.map(([, d]) => d.median) },
        { name: '95th percentile', colour: '#a5b4fc', values: times.map(([, d]) => d.p95) }],
    });
  }

  // Value-axis ticks: 1-2-5 steps (2.5 too for non-counts), whole numbers on count axes.
  function axisTicks(max, integer) {
    const raw = Math.max(max, integer ? 1 : 0.001) / 4;
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    const steps = integer ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
    let step = steps.map((m) => m * magnitude).find((candidate) => candidate >= raw);
    if (integer) step = Math.max(1, Math.round(step));
    const top = Math.max(step, Math.ceil(max / step - 1e-9) * step);
    const ticks = [];
    for (let t = 0; t <= top + step / 2; t += step) ticks.push(Number(t.toFixed(6)));
    return ticks;
  }

  // Charts are drawn at the width they are shown at, so their text stays at the stylesheet's size (no scaling of
  // the drawing); a chart whose box changes width is drawn again.
  const drawn = new Map();
  const resized = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const last = drawn.get(entry.target);
      if (last && Math.abs(entry.contentRect.width - last.width) >= 8) barChart(entry.target, last.options);
    }
  });

  // Bars (stacked or side by side, upright or lying), with a value axis, a legend when there are several series,
  // a "no data" note when every value is nothing, and the values as a table (for keyboards and screen readers).
  function barChart(container, options) {
    const { title, labels, series, stacked = false, horizontal = false, notes = [], format = String,
      integer = false, empty = 'No data.', links = null } = options;
    const width = Math.max(260, Math.floor(container.clientWidth || 640));
    drawn.set(container, { width, options });
    resized.observe(container);
    if (!series.some((s) => s.values.some((v) => v))) {
      container.replaceChildren(h('p', { class: 'chart-empty', text: empty }));
      return;
    }
    // Lying bars have their labels on the left, or above each bar where the chart is too narrow for both.
    const above = horizontal && width < 520;
    const LABEL_ROW = 18;
    const height = horizontal ? Math.max(120, labels.length * (above ? 30 + LABEL_ROW : 30) + 34) : 220;
    const labelSpace = horizontal ? (above ? 12 : 170) : 48;
    const pad = { top: 10, right: 16, bottom: horizontal ? 24 : 34, left: labelSpace };
    const totals = labels.map((_, i) => (stacked
      ? series.reduce((sum, s) => sum + (s.values[i] || 0), 0)
      : Math.max(0, ...series.map((s) => s.values[i] || 0))));
    const ticks = axisTicks(Math.max(0, ...totals), integer);
    const max = ticks[ticks.length - 1];
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': `${title} (the values are in the table below)` });
    for (const value of ticks) {
      if (horizontal) {
        const x = pad.left + (plotW * value) / max;
        root.append(svg('line', { x1: x, x2: x, y1: pad.top, y2: pad.top + plotH, stroke: '#e2e2e8' }),
          svg('text', { x, y: height - 6, 'text-anchor': 'middle' }, format(value)));
      } else {
        const y = pad.top + plotH - (plotH * value) / max;
        root.append(svg('line', { x1: pad.left, x2: pad.left + plotW, y1: y, y2: y, stroke: '#e2e2e8' }),
          svg('text', { x: pad.left - 6, y: y + 4, 'text-anchor': 'end' }, format(value)));
      }
    }
    const band = (horizontal ? plotH : plotW) / Math.max(1, labels.length);
    const every = Math.ceil(labels.length / Math.max(1, Math.floor(plotW / 46))); // a label needs about 46 px
    labels.forEach((label, i) => {
      let offset = 0;
      series.forEach((s, j) => {
        const value = s.values[i] || 0;
        const size = ((horizontal ? plotW : plotH) * value) / max;
        const room = above ? band - LABEL_ROW : band;
        const thick = stacked ? room * 0.75 : (room * 0.75) / series.length;
        const start = i * band + (band - room) + room * 0.125 + (stacked ? 0 : j * thick);
        const rect = horizontal
          ? svg('rect', { x: pad.left + offset, y: pad.top + start, width: size, height: thick })
          : svg('rect', { x: pad.left + start, y: pad.top + plotH - offset - size, width: thick, height: size });
        rect.setAttribute('fill', s.colours ? s.colours[i % s.colours.length] : s.colour);
        rect.setAttribute('class', 'bar');
        rect.dataset.label = label;
        rect.dataset.series = s.name;
        rect.dataset.value = String(value);
        rect.append(svg('title', {}, `${label} · ${s.name}: ${format(value)}${notes[i] ? ` (${notes[i]})` : ''}`));
        if (links && value) { // a mouse shortcut; the values table has the same link as a button
          rect.classList.add('is-linked');
          rect.addEventListener('click', () => window.location.assign(conversationsUrl(links[i])));
        }
        root.append(rect);
        if (stacked) offset += size;
      });
      if (above) {
        root.append(svg('text', { x: pad.left, y: pad.top + i * band + LABEL_ROW - 4, 'text-anchor': 'start' }, label));
      } else if (horizontal) {
        root.append(svg('text', { x: pad.left - 8, y: pad.top + i * band + band / 2 + 4, 'text-anchor': 'end' }, label));
      } else if (i % every === 0) {
        root.append(svg('text', { x: pad.left + i * band + band / 2, y: height - 14, 'text-anchor': 'middle' }, label));
      }
    });
    const children = [root];
    if (series.length > 1) {
      children.push(h('div', { class: 'legend', 'aria-hidden': 'true' }, series.map((s) => h('span', {}, [
        h('span', { class: 'legend-swatch', style: `background:${s.colour}` }), s.name]))));
    }
    children.push(valuesTable(title, labels, series, notes, format, links));
    container.replaceChildren(...children);
  }

  // The chart's numbers as a table, folded away under "Values" (open it with the keyboard; screen readers read it).
  function valuesTable(title, labels, series, notes, format, links) {
    const head = h('tr', {}, [h('th', { scope: 'col', text: 'Item' }),
      ...series.map((s) => h('th', { scope: 'col', class: 'num', text: s.name })),
      notes.length ? h('th', { scope: 'col', text: 'Note' }) : null,
      links ? h('th', { scope: 'col', text: 'List' }) : null]);
    const rows = labels.map((label, i) => h('tr', {}, [h('th', { scope: 'row', text: label }),
      ...series.map((s) => h('td', { class: 'num', text: s.values[i] == null ? '—' : format(s.values[i]) })),
      notes.length ? h('td', { text: notes[i] || '' }) : null,
      links ? h('td', {}, [series.some((s) => s.values[i]) ? h('a', { href: conversationsUrl(links[i]), text: 'Show',
        'aria-label': `Show the conversations: ${label}` }) : null]) : null]));
    // On a phone a wide table scrolls inside its own box (focusable, so the keyboard can scroll it too).
    return h('details', { class: 'chart-values' }, [h('summary', { text: 'Values' }),
      h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-label': `${title}: values` }, [
        h('table', { class: 'table' }, [h('caption', { class: 'sr-only', text: title }), h('thead', {}, [head]),
          h('tbody', {}, rows)])])]);
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
      h('div', { class: 'comment-meta', text: `${c.score}/5 · ${c.ended_at.replace('T', ' ')} · ${c.outcome_label || outcomeLabel(c.outcome)}` }),
      h('div', { class: 'comment-text', text: c.text }),
      c.session_id ? h('a', { href: conversationsUrl({ commented: 'true', open: c.session_id }), text: 'Open the conversation',
        'aria-label': `Open the conversation rated ${c.score}/5` }) : null]));
    ui.comments.replaceChildren(...(items.length ? items : [h('li', { class: 'empty', text: 'No comments in this period.' })]));
  }

  /* ---------- the conversations behind the figures ---------- */

  /** The conversations page for this period and label, with `filters` set (outcome, reason, rating, open, …). */
  function conversationsUrl(filters = {}) {
    const params = new URLSearchParams({ from: ui.from.value, to: ui.to.value });
    if (ui.label.value) params.set('label', ui.label.value);
    for (const [name, value] of Object.entries(filters)) if (value) params.set(name, value);
    return `/conversations?${params}`;
  }

  /* ---------- start ---------- */

  ui.periodForm.addEventListener('submit', (event) => { event.preventDefault(); refresh(); });
  ui.label.addEventListener('change', refresh);
  for (const button of document.querySelectorAll('[data-days]')) {
    button.addEventListener('click', () => { setPeriod(Number(button.dataset.days)); refresh(); });
  }
  for (const button of document.querySelectorAll('[data-report]')) {
    button.addEventListener('click', () => downloadReport(button.dataset.report));
  }
  staff.start();
})();
