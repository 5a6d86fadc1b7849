// Records (GET /admin/v1/records/{id}): one record looked up by the gateway's id or by the
// editor's own id (ext:…, with its API client). Identifiers and metadata only: states, times,
// rule IDs and their locations, documents' ids and kinds, deliveries. The API gives no clinical
// content, and the screen shows nothing but what it gives, as text.
import { useEffect, useState } from 'preact/hooks';
import { request } from './api.js';
import { StatusBadge } from './deliveries.js';
import { errorText, formatDateTime } from './format.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { href, navigate } from './router.js';

function LookupForm({ id, client }) {
  const [form, setForm] = useState({ id, client });
  useEffect(() => setForm({ id, client }), [id, client]);
  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    navigate('/records', { id: form.id.trim(), client: form.client.trim() });
  };
  return html`
    <form class="filters" id="record-lookup" onSubmit=${submit} aria-label=${t('records.lookup')}>
      <label>${t('records.id')}
        <input name="id" value=${form.id} onInput=${field('id')} spellcheck="false" size="40"
               required />
      </label>
      <label>${t('records.client')}
        <input name="client" value=${form.client} onInput=${field('client')} spellcheck="false"
               size="38" />
      </label>
      <div class="filter-actions">
        <button type="submit" class="primary">${t('records.submit')}</button>
      </div>
    </form>`;
}

function Field({ name, children }) {
  return html`<div class="field"><dt>${t('record.' + name)}</dt><dd data-field=${name}>${children}</dd></div>`;
}

/** The rule findings of the record and of its documents, in one table. */
function Findings({ record }) {
  const rows = [
    ...record.ruleOutcome.map((f) => ({ ...f, document: '' })),
    ...record.documents.flatMap((d) => d.ruleOutcome.map((f) => ({ ...f, document: d.id }))),
  ];
  if (rows.length === 0) return html`<p class="muted" id="record-rules-empty">${t('record.rules.empty')}</p>`;
  return html`
    <table class="data" id="record-rules">
      <thead><tr>
        <th scope="col">${t('record.rules.rule')}</th>
        <th scope="col">${t('record.rules.severity')}</th>
        <th scope="col">${t('record.rules.code')}</th>
        <th scope="col">${t('record.rules.where')}</th>
        <th scope="col">${t('record.rules.document')}</th>
      </tr></thead>
      <tbody>
        ${rows.map((f, i) => html`
          <tr key=${i} data-rule=${f.rule || ''}>
            <td><code>${f.rule || t('common.none')}</code></td>
            <td><span class=${'badge severity-' + f.severity}>${t('severity.' + f.severity)}</span></td>
            <td><code>${f.code}</code></td>
            <td class="wrap"><code>${(f.expression || []).join(', ')}</code></td>
            <td>${f.document ? html`<code>${f.document}</code>` : t('common.none')}</td>
          </tr>`)}
      </tbody>
    </table>`;
}

function Documents({ documents }) {
  if (documents.length === 0) return html`<p class="muted">${t('record.documents.empty')}</p>`;
  return html`
    <table class="data" id="record-documents">
      <thead><tr>
        <th scope="col">${t('record.documents.id')}</th>
        <th scope="col">${t('record.documents.externalId')}</th>
        <th scope="col">${t('record.documents.kind')}</th>
        <th scope="col">${t('record.documents.status')}</th>
        <th scope="col">${t('record.documents.createdAt')}</th>
      </tr></thead>
      <tbody>
        ${documents.map((d) => html`
          <tr key=${d.id} data-document=${d.id}>
            <td><code>${d.id}</code></td>
            <td><code>${d.externalId || ''}</code></td>
            <td>${t('kind.' + d.kind)}</td>
            <td>${t('record.status.' + d.status)}</td>
            <td>${formatDateTime(d.createdAt)}</td>
          </tr>`)}
      </tbody>
    </table>`;
}

function Deliveries({ deliveries }) {
  if (deliveries.length === 0) return html`<p class="muted">${t('record.deliveries.empty')}</p>`;
  return html`
    <table class="data" id="record-deliveries">
      <thead><tr>
        <th scope="col">${t('deliveries.col.id')}</th>
        <th scope="col">${t('record.deliveries.document')}</th>
        <th scope="col">${t('deliveries.col.destination')}</th>
        <th scope="col">${t('deliveries.col.connector')}</th>
        <th scope="col">${t('deliveries.col.status')}</th>
        <th scope="col" class="num">${t('deliveries.col.attempts')}</th>
        <th scope="col">${t('record.deliveries.next')}</th>
        <th scope="col">${t('record.deliveries.errorClass')}</th>
        <th scope="col">${t('deliveries.col.lastError')}</th>
      </tr></thead>
      <tbody>
        ${deliveries.map((d) => html`
          <tr key=${d.id} data-delivery=${d.id}>
            <td><a href=${'#/deliveries/' + encodeURIComponent(d.id)}><code>${d.id}</code></a></td>
            <td>${d.document ? html`<code>${d.document}</code>` : t('common.none')}</td>
            <td>${d.destination}</td>
            <td>${d.connector || t('common.none')}</td>
            <td><${StatusBadge} status=${d.status} /></td>
            <td class="num">${d.attempts}</td>
            <td>${d.nextAttemptAt ? formatDateTime(d.nextAttemptAt) : t('common.none')}</td>
            <td>${d.lastErrorClass || ''}</td>
            <td class="wrap">${d.lastError || ''}</td>
          </tr>`)}
      </tbody>
    </table>`;
}

export function RecordsScreen({ params }) {
  const id = params.id || '';
  const client = params.client || '';
  const [state, setState] = useState({ loading: false, record: null, error: null });
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    if (!id) {
      setState({ loading: false, record: null, error: null });
      return undefined;
    }
    let current = true;
    setState({ loading: true, record: null, error: null });
    request('GET', '/admin/v1/records/' + encodeURIComponent(id), { query: { client } }).then(
      (answer) => current && setState({ loading: false, record: answer.data, error: null }),
      (error) => current && setState({ loading: false, record: null, error }));
    return () => {
      current = false;
    };
  }, [id, client, nonce]);

  const r = state.record;
  let failure = '';
  if (state.error && state.error.status === 404) failure = t('records.notFound');
  else if (state.error && state.error.status === 400 && id.startsWith('ext:') && !client) {
    failure = t('records.needClient');
  } else if (state.error) failure = errorText(state.error);
  return html`
    <div class="screen-head">
      <h1>${t('records.title')}</h1>
      ${id && html`
        <button type="button" class="quiet" id="refresh" onClick=${() => setNonce((n) => n + 1)}>
          ${t('common.refresh')}</button>`}
    </div>
    <p class="muted">${t('records.intro')}</p>
    <${LookupForm} id=${id} client=${client} />
    ${failure && html`<p class="error" role="alert" id="record-error">${failure}</p>`}
    ${state.loading && html`<p class="muted">${t('common.loading')}</p>`}
    ${r && html`
      <h2>${t('record.title', { id: r.id })}</h2>
      <dl class="fields" id="record">
        <${Field} name="id"><code>${r.id}</code><//>
        <${Field} name="client">
          <a href=${'#/clients/' + encodeURIComponent(r.client)}><code>${r.client}</code></a><//>
        ${r.externalId && html`<${Field} name="externalId"><code>${r.externalId}</code><//>`}
        <${Field} name="kind">${t('record.kind.' + r.kind)}<//>
        <${Field} name="status">${t('record.status.' + r.status)}<//>
        <${Field} name="createdAt">${formatDateTime(r.createdAt)}<//>
        <${Field} name="updatedAt">${formatDateTime(r.updatedAt)}<//>
        ${r.contentPurgedAt && html`
          <${Field} name="contentPurgedAt">${formatDateTime(r.contentPurgedAt)}<//>`}
      </dl>
      <h2>${t('record.rules')}</h2>
      <${Findings} record=${r} />
      <h2>${t('record.documents')}</h2>
      <${Documents} documents=${r.documents} />
      <div class="screen-head">
        <h2>${t('record.deliveries')}</h2>
        <a href=${href('/deliveries', { record: r.id })} id="record-deliveries-list">
          ${t('record.deliveries.list')}</a>
      </div>
      <${Deliveries} deliveries=${r.deliveries} />`}`;
}
