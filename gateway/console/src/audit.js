// The audit trail (GET /admin/v1/audit): filters by time, actor and action, newest first, paged
// back in time by the cursor of the Link header.
import { useEffect, useState } from 'preact/hooks';
import { nextCursor, request } from './api.js';
import {
  errorText, formatDateTime, instantFromLocalInput, localInputFromInstant,
} from './format.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { href, navigate } from './router.js';

const PAGE = 200;
const ACTIONS = [
  'POST /api/v1/teleconsultations', 'POST /api/v1/teleconsultations/{id}/documents',
  'GET /api/v1/teleconsultations/{id}', 'POST /admin/v1/clients', 'DELETE /admin/v1/clients/{id}',
  'POST /admin/v1/clients/{id}/keys', 'DELETE /admin/v1/clients/{id}/keys/{keyId}',
  'POST /admin/v1/connectors', 'PUT /admin/v1/connectors/{id}', 'DELETE /admin/v1/connectors/{id}',
  'POST /admin/v1/connectors/{id}/test', 'POST /admin/v1/deliveries/{id}/retry',
  'POST /admin/v1/deliveries/retry', 'PUT /admin/v1/practitioners/{rpps}/activity',
];

function detailText(detail) {
  if (detail === undefined || detail === null) return '';
  return typeof detail === 'string' ? detail : JSON.stringify(detail);
}

export function AuditScreen({ params }) {
  const filter = {
    since: params.since || '', actor: params.actor || '', action: params.action || '',
  };
  const cursor = params.cursor || '';
  const key = JSON.stringify({ ...filter, cursor });
  const [form, setForm] = useState(filter);
  const [state, setState] = useState({ loading: true, entries: [], next: '', error: null });
  const [nonce, setNonce] = useState(0);

  useEffect(() => setForm(filter), [key]);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    request('GET', '/admin/v1/audit', { query: { ...filter, cursor, limit: PAGE } }).then(
      (answer) => current && setState({
        loading: false,
        entries: Array.isArray(answer.data) ? answer.data : [],
        next: nextCursor(answer.headers.get('Link')),
        error: null,
      }),
      (error) => current && setState({ loading: false, entries: [], next: '', error }));
    return () => {
      current = false;
    };
  }, [key, nonce]);

  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    navigate('/audit', { since: form.since, actor: form.actor.trim(), action: form.action.trim() });
  };
  return html`
    <div class="screen-head">
      <h1>${t('audit.title')}</h1>
      <button type="button" class="quiet" id="refresh" onClick=${() => setNonce((n) => n + 1)}>
        ${t('common.refresh')}</button>
    </div>
    <form class="filters" id="audit-filter" onSubmit=${submit} aria-label=${t('deliveries.filter')}>
      <label>${t('audit.filter.since')}
        <input name="since" type="datetime-local" value=${localInputFromInstant(form.since)}
               onInput=${(e) => setForm({ ...form,
                 since: instantFromLocalInput(e.currentTarget.value) })} />
      </label>
      <label>${t('audit.filter.actor')}
        <input name="actor" value=${form.actor} onInput=${field('actor')} spellcheck="false" />
      </label>
      <label>${t('audit.filter.action')}
        <input name="action" list="known-actions" value=${form.action} onInput=${field('action')}
               spellcheck="false" size="40" />
        <datalist id="known-actions">
          ${ACTIONS.map((a) => html`<option key=${a} value=${a}></option>`)}
        </datalist>
      </label>
      <div class="filter-actions">
        <button type="submit" class="primary">${t('deliveries.filter.apply')}</button>
        <a class="button quiet" href="#/audit">${t('deliveries.filter.clear')}</a>
      </div>
    </form>
    <div class="toolbar">
      <span class="muted" id="audit-count">
        ${state.loading ? t('common.loading') : t('audit.count', { count: state.entries.length })}
      </span>
      ${cursor && html`
        <a class="button quiet" id="audit-first" href=${href('/audit', filter)}>
          ${t('audit.first')}</a>`}
      ${state.next && html`
        <button type="button" id="audit-next"
                onClick=${() => navigate('/audit', { ...filter, cursor: state.next })}>
          ${t('audit.next')}</button>`}
    </div>
    ${state.error && html`<p class="error" role="alert">${errorText(state.error)}</p>`}
    ${!state.loading && !state.error && state.entries.length === 0 &&
      html`<p class="muted">${t('audit.empty')}</p>`}
    ${state.entries.length > 0 && html`
      <table class="data" id="audit">
        <thead><tr>
          <th scope="col" class="num">#</th>
          <th scope="col">${t('audit.col.at')}</th>
          <th scope="col">${t('audit.col.actor')}</th>
          <th scope="col">${t('audit.col.action')}</th>
          <th scope="col">${t('audit.col.target')}</th>
          <th scope="col" class="num">${t('audit.col.outcome')}</th>
          <th scope="col">${t('audit.col.requestId')}</th>
          <th scope="col">${t('audit.col.detail')}</th>
        </tr></thead>
        <tbody>
          ${state.entries.map((e) => html`
            <tr key=${e.id} data-audit=${e.id}>
              <td class="num">${e.id}</td>
              <td>${formatDateTime(e.at)}</td>
              <td><code>${e.actor}</code></td>
              <td><code>${e.action}</code></td>
              <td><code>${e.target}</code></td>
              <td class="num">${e.outcome}</td>
              <td><code>${e.requestId}</code></td>
              <td class="wrap"><code>${detailText(e.detail)}</code></td>
            </tr>`)}
        </tbody>
      </table>`}`;
}
