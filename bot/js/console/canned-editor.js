/*
 * The supervisors' section for canned responses: list, add, edit, delete (POST/PUT/DELETE
 * /api/handoff/canned). The server checks every response (unique shortcut, text, placeholders) and its
 * reason is shown under the form as text.
 */
import { h } from '../shared/dom.js';

/**
 * `ui`: {panel, list, empty, form, shortcut, text, save, cancel, error}; `staff`: the page's
 * TandemStaff; `changed()`: reload the responses everywhere.
 */
export function createCannedEditor({ ui, staff, changed }) {
  let editing = null; // the id being edited, or null for a new one

  function render(responses) {
    ui.list.replaceChildren(...responses.map((r) => h('li', { class: 'canned-row', 'data-shortcut': r.shortcut }, [
      h('span', { class: 'canned-row-shortcut', text: `/${r.shortcut}` }),
      h('span', { class: 'canned-row-text', text: r.text }),
      h('span', { class: 'canned-row-actions' }, [
        h('button', { type: 'button', class: 'button button-quiet button-small canned-edit', text: 'Edit',
          onclick: () => edit(r) }),
        h('button', { type: 'button', class: 'button button-quiet button-small canned-delete', text: 'Delete',
          onclick: () => remove(r) }),
      ]),
    ])));
    ui.empty.hidden = responses.length > 0;
  }

  function edit(response) {
    editing = response.id;
    ui.shortcut.value = response.shortcut;
    ui.text.value = response.text;
    ui.save.textContent = 'Save changes';
    ui.cancel.hidden = false;
    setError('');
    ui.text.focus();
  }

  function resetForm() {
    editing = null;
    ui.form.reset();
    ui.save.textContent = 'Add';
    ui.cancel.hidden = true;
    setError('');
  }

  function setError(text) {
    ui.error.textContent = text;
    ui.error.hidden = text === '';
  }

  async function call(path, options) {
    try {
      await staff.request(path, options);
      return true;
    } catch (error) {
      setError(error.message || 'The server refused the change.');
      return false;
    }
  }

  async function onSubmit(event) {
    event.preventDefault();
    const json = { shortcut: ui.shortcut.value, text: ui.text.value };
    const path = editing == null ? '/api/handoff/canned' : `/api/handoff/canned/${encodeURIComponent(editing)}`;
    ui.save.disabled = true;
    const done = await call(path, { method: editing == null ? 'POST' : 'PUT', json });
    ui.save.disabled = false;
    if (!done) return;
    resetForm();
    changed();
  }

  async function remove(response) {
    if (await call(`/api/handoff/canned/${encodeURIComponent(response.id)}`, { method: 'DELETE' })) {
      if (editing === response.id) resetForm();
      changed();
    }
  }

  ui.form.addEventListener('submit', onSubmit);
  ui.cancel.addEventListener('click', resetForm);

  return {
    render,
    /** Shown to supervisors and admins only (the server refuses the others anyway). */
    show(allowed) {
      ui.panel.hidden = !allowed;
      if (!allowed) resetForm();
    },
  };
}
