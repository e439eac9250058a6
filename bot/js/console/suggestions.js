/*
 * Suggested answers: the knowledge base's best articles for the customer's latest question in the open
 * conversation (GET /api/handoff/sessions/{id}/suggestions), with their scores. "Use" puts an article's
 * answer into the reply box to edit; the reply then carries the article's id (`article_id` on the
 * `message` frame), so the outcome records which article the agent answered from. Titles and answers
 * are put into the page as text.
 */
import { h } from '../shared/dom.js';

const RELOAD_DELAY_MS = 400; // a customer writing several lines in a row costs one search

/**
 * `ui`: {panel, list, question}; `api(path)`: the JSON answer or null; `canInsert()`: whether the agent
 * may reply now; `insert(text)`: puts text into the reply box.
 */
export function createSuggestions({ ui, api, canInsert, insert }) {
  let sessionId = null;
  let request = 0; // a slow old answer must not replace a newer one
  let timer = null;
  let used = null; // {sessionId, articleId} of the answer last put into the reply box

  async function load(id) {
    clearTimeout(timer);
    sessionId = id;
    const mine = ++request;
    const body = id ? await api(`/api/handoff/sessions/${encodeURIComponent(id)}/suggestions`) : null;
    if (mine !== request || id !== sessionId) return;
    render(body && Array.isArray(body.articles) ? body : { question: '', articles: [] });
  }

  function render({ question, articles }) {
    ui.question.textContent = question ? `For: “${question}”` : '';
    ui.list.replaceChildren(...articles.map(renderArticle));
    ui.panel.hidden = articles.length === 0;
    refresh();
  }

  function renderArticle(article) {
    const use = h('button', {
      type: 'button', class: 'button button-small suggestion-use', text: 'Use',
      title: 'Put this answer into the reply box to edit and send',
      onclick: () => useArticle(article),
    });
    return h('li', { class: 'suggestion', 'data-article-id': String(article.id) }, [
      h('span', { class: 'suggestion-head' }, [
        h('span', { class: 'suggestion-title', text: String(article.title ?? article.id) }),
        h('span', { class: 'suggestion-score', title: 'How well the article matches (0-100)',
          text: String(Math.round(Number(article.score) * 100)) }),
        use,
      ]),
      h('span', { class: 'suggestion-answer', text: String(article.answer ?? '') }),
    ]);
  }

  function useArticle(article) {
    if (!canInsert() || !sessionId) return;
    insert(String(article.answer ?? ''));
    used = { sessionId, articleId: String(article.id) };
  }

  return {
    /** Shows the suggestions for conversation `id` (null: none). */
    show: (id) => { used = null; load(id); },
    /** A customer wrote in conversation `id`: the question may have changed. */
    customerWrote(id) {
      if (id !== sessionId) return;
      clearTimeout(timer);
      timer = setTimeout(() => load(id), RELOAD_DELAY_MS);
    },
    /** Enables "Use" only while the agent may reply. */
    refresh() { refresh(); },
    /** The article the reply being sent was taken from (once), or null; internal notes take none. */
    takeArticle(id, internal) {
      const article = used && used.sessionId === id && !internal ? used.articleId : null;
      used = null;
      return article;
    },
    /** The reply box was emptied: the answer was not used after all. */
    replyCleared() { used = null; },
  };

  function refresh() {
    for (const button of ui.list.querySelectorAll('.suggestion-use')) button.disabled = !canInsert();
  }
}
