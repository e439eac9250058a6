/*
 * Labels on conversations: chips on each queue item, a filter of the queue by label, and the open
 * conversation's labels to add and remove (PUT /api/handoff/sessions/{id}/labels with the whole list;
 * the server normalises them and every console's queue follows). Labels are shown as text.
 */
import { h } from '../shared/dom.js';

const labelsOf = (entry) => (entry && Array.isArray(entry.labels) ? entry.labels.map(String) : []);
const LABELLED_STATES = new Set(['queued', 'assigned']);

/**
 * `ui`: {box, list, input, add, filter}; `staff`: the page's TandemStaff; `current()`: the open
 * conversation's queue entry (or null); `showError(text)`; `changed()`: the queue needs re-rendering.
 */
export function createLabels({ ui, staff, current, showError, changed }) {
  let filter = '';

  /** The label chips of one queue item (made on first use). */
  function renderQueueItem(item, entry) {
    let chips = item.querySelector('.queue-labels');
    if (!chips) {
      chips = h('span', { class: 'queue-labels' });
      item.querySelector('.queue-tags').after(chips);
    }
    const labels = labelsOf(entry);
    chips.replaceChildren(...labels.map((label) => h('span', { class: 'tag tag-label', text: label })));
    chips.hidden = labels.length === 0;
    item.dataset.labels = labels.join(',');
  }

  const passes = (entry) => filter === '' || labelsOf(entry).includes(filter);

  /** The queue changed: the filter offers the labels in it, and the open conversation's labels follow. */
  function queueChanged(entries) {
    const known = [...new Set(entries.flatMap(labelsOf))].sort();
    if (filter && !known.includes(filter)) known.push(filter); // keep the agent's choice while it is empty
    ui.filter.replaceChildren(h('option', { value: '', text: 'All labels' }),
      ...known.map((label) => h('option', { value: label, text: label })));
    ui.filter.value = filter;
    ui.filter.hidden = known.length === 0;
    showCurrent();
  }

  function showCurrent() {
    const entry = current();
    const labelled = Boolean(entry) && LABELLED_STATES.has(entry.state);
    ui.box.hidden = !labelled;
    if (!labelled) return;
    ui.list.replaceChildren(...labelsOf(entry).map((label) => h('li', { class: 'label-chip', 'data-label': label }, [
      h('span', { text: label }),
      h('button', { type: 'button', class: 'label-remove', text: '×', 'aria-label': `Remove label ${label}`,
        onclick: () => save(entry, labelsOf(entry).filter((l) => l !== label)) }),
    ])));
  }

  async function save(entry, labels) {
    const id = String(entry.session_id);
    try {
      const body = await staff.api(`/api/handoff/sessions/${encodeURIComponent(id)}/labels`,
        { method: 'PUT', json: { labels } });
      entry.labels = Array.isArray(body.labels) ? body.labels : labels;
      changed();
      return true;
    } catch (error) {
      showError(error.message || 'The labels could not be saved.');
      return false;
    }
  }

  async function addFromInput() {
    const entry = current();
    const label = ui.input.value.trim();
    if (!entry || label === '') return;
    if (await save(entry, [...labelsOf(entry), label])) ui.input.value = '';
  }

  ui.add.addEventListener('click', addFromInput);
  ui.input.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || event.isComposing) return;
    event.preventDefault();
    addFromInput();
  });
  ui.filter.addEventListener('change', () => {
    filter = ui.filter.value;
    changed();
  });

  return { renderQueueItem, passes, queueChanged, showCurrent };
}
