/*
 * Tandem knowledge-base page: how each article fares with customers, to find the ones that fail.
 *
 * Its own module beside content.js: it fills #article-stats once the page's sign-in (staff.js) enters, from
 *   GET /api/reports/articles?since=…&until=…   (content, admin)
 * per article over the chosen period: conversations the bot answered with it, rated helpful or unhelpful
 * after it, handed to a person after it (outcomes/article_stats.py defines them). Every column sorts; the
 * default puts the most failures first. Text from the server goes in through textContent only.
 */
(() => {
  'use strict';

  const ROLES = new Set(['content', 'admin']);
  const PERIODS = [['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days'], ['', 'All time']];
  // [key, heading, numeric]; the value shown for a row is `shown(key, row)`.
  const COLUMNS = [
    ['title', 'Article', false], ['status', 'Status', false], ['answered', 'Answered', true],
    ['rated_helpful', 'Rated helpful', true], ['rated_unhelpful', 'Rated unhelpful', true],
    ['escalated', 'Escalated after', true], ['failure_rate', 'Failed', true],
  ];
  const HELP = 'Answered: conversations in which the bot answered with the article (directly or picked from a menu). '
    + 'Rated helpful: the customer rated that conversation 4-5. Rated unhelpful: rated it 1-3, or said the answer did '
    + 'not help. Escalated after: a person took over after this answer. Failed: unhelpful or escalated, of those answered.';

  const root = document.getElementById('article-stats');
  if (!root) return;
  let staff = null;
  let rows = [];
  let sort = { key: 'failed', descending: true };
  let latest = 0;

  const { h } = TandemStaff;

  const period = h('select', { id: 'article-stats-period' },
    PERIODS.map(([days, text]) => h('option', { value: days, text })));
  period.value = '30';
  const status = h('p', { id: 'article-stats-status', class: 'muted small', role: 'status', 'aria-live': 'polite' });
  const table = h('table', { id: 'article-stats-table', class: 'stats-table' });
  root.replaceChildren(
    h('h2', { id: 'article-stats-heading', class: 'pane-heading', text: 'How articles fare' }),
    h('p', { class: 'muted small', text: HELP }),
    h('div', { class: 'stats-controls' }, [h('label', { for: 'article-stats-period', text: 'Period' }), period]),
    status,
    h('div', { class: 'stats-scroll', tabindex: 0, role: 'region', 'aria-labelledby': 'article-stats-heading' }, [table]),
  );

  const pct = (v) => (v == null ? '—' : `${Math.round(v * 100)} %`);

  function query() {
    if (!period.value) return '';
    const until = new Date();
    const since = new Date(until.getTime() - Number(period.value) * 86_400_000);
    return `?${new URLSearchParams({ since: since.toISOString(), until: until.toISOString() })}`;
  }

  async function load() {
    if (!staff) return;
    const run = ++latest;
    status.textContent = 'Loading…';
    try {
      const body = await staff.api(`/api/reports/articles${query()}`);
      if (run !== latest) return;
      rows = body.articles;
      status.textContent = `${rows.length} article${rows.length === 1 ? '' : 's'} · ${body.period.label}`;
      render();
      root.dataset.loaded = period.value || 'all'; // lets tests wait for a finished load
    } catch (error) {
      if (run === latest) status.textContent = error.message;
    }
  }

  function compare(a, b) {
    const { key } = sort;
    const x = key === 'title' ? (a.title || a.article_id) : a[key];
    const y = key === 'title' ? (b.title || b.article_id) : b[key];
    if (x == null || y == null) return (x == null) - (y == null); // nothing to compare stays last
    const order = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
    // Ties: most failures, then most answered (as the server orders), then by id.
    return (sort.descending ? -order : order) || b.failed - a.failed || b.answered - a.answered
      || a.article_id.localeCompare(b.article_id);
  }

  function sortBy(key) {
    sort = { key, descending: sort.key === key ? !sort.descending : COLUMNS.find(([k]) => k === key)[2] };
    render();
    table.querySelector(`th[data-key="${key}"] button`).focus();
  }

  function header() {
    return h('tr', {}, COLUMNS.map(([key, text, numeric]) => {
      const active = sort.key === key || (key === 'failure_rate' && sort.key === 'failed');
      const button = h('button', { type: 'button', class: 'sort-button', text });
      button.addEventListener('click', () => sortBy(key));
      return h('th', { scope: 'col', class: numeric ? 'num' : null, 'data-key': key,
        'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : null }, [button]);
    }));
  }

  function row(entry) {
    const failed = entry.answered ? `${pct(entry.failure_rate)} (${entry.failed})` : '—';
    return h('tr', { 'data-article': entry.article_id }, [
      h('th', { scope: 'row' }, [h('span', { class: 'stats-title', text: entry.title || entry.article_id }),
        h('span', { class: 'muted small stats-id', text: entry.article_id })]),
      h('td', { text: entry.status }),
      h('td', { class: 'num', text: String(entry.answered) }),
      h('td', { class: 'num', text: String(entry.rated_helpful) }),
      h('td', { class: 'num', text: String(entry.rated_unhelpful) }),
      h('td', { class: 'num', text: String(entry.escalated) }),
      h('td', { class: 'num', text: failed }),
    ]);
  }

  function render() {
    const sorted = [...rows].sort(compare);
    const body = sorted.length ? sorted.map(row)
      : [h('tr', {}, [h('td', { colspan: COLUMNS.length, class: 'empty', text: 'No articles yet.' })])];
    table.replaceChildren(h('caption', { class: 'sr-only', text: 'How articles fare, per article' }),
      h('thead', {}, [header()]), h('tbody', {}, body));
  }

  period.addEventListener('change', load);
  document.addEventListener('tandem:enter', (event) => {
    staff = ROLES.has(event.detail.account.role) ? event.detail.staff : null;
    root.hidden = !staff;
    load();
  });
  document.addEventListener('tandem:leave', () => {
    staff = null;
    rows = [];
    table.replaceChildren();
  });
})();
