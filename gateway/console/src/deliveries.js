// Deliveries: the filtered list, newest first and paged by the Link header's cursor
// (GET /admin/v1/deliveries), one delivery with its attempts
// (GET /admin/v1/deliveries/{id}), retry one (POST .../{id}/retry) and retry the dead ones of a
// filter in bulk (POST /admin/v1/deliveries/retry) after a confirmation that shows how many (the
// same call with dryRun=true counts them all in the gateway, however many pages they fill).
import { useEffect, useState } from 'preact/hooks';
import { nextCursor, request } from './api.js';
import { ConfirmDialog } from './dialog.js';
import {
  errorText, formatDateTime, instantFromLocalInput, localInputFromInstant,
} from './format.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { href, navigate } from './router.js';

const STATUSES = ['pending', 'in-flight', 'delivered', 'failed', 'dead', 'skipped'];
const FINISHED = ['delivered', 'dead', 'skipped'];
const PAGE = 200;
const WATCH_MS = 2000;

export function StatusBadge({ status }) {
  return html`<span class=${'badge status-' + status} data-status=${status}>${t('status.' + status)}</span>`;
}

function filterOf(params) {
  return {
    status: STATUSES.includes(params.status) ? params.status : '',
    connector: params.connector || '',
    since: params.since || '',
    record: params.record || '',
  };
}

/**
 * One page of the filter, most recently changed first (the gateway filters and orders); `next`
 * is the cursor of the page after it, '' on the last one.
 */
async function readDeliveries(filter, { cursor = '', limit = PAGE } = {}) {
  const answer = await request('GET', '/admin/v1/deliveries', {
    query: { ...filter, cursor, limit },
  });
  const items = Array.isArray(answer.data) ? answer.data : [];
  return { items, next: nextCursor(answer.headers.get('Link')) };
}

function FilterForm({ filter, connectors }) {
  const [form, setForm] = useState({ ...filter, since: localInputFromInstant(filter.since) });
  useEffect(() => setForm({ ...filter, since: localInputFromInstant(filter.since) }),
    [filter.status, filter.connector, filter.since, filter.record]);
  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  const submit = (e) => {
    e.preventDefault();
    navigate('/deliveries', {
      status: form.status, connector: form.connector.trim(),
      since: instantFromLocalInput(form.since), record: form.record.trim(),
    });
  };
  return html`
    <form class="filters" id="delivery-filter" onSubmit=${submit} aria-label=${t('deliveries.filter')}>
      <label>${t('deliveries.filter.status')}
        <select name="status" value=${form.status} onChange=${field('status')}>
          <option value="">${t('deliveries.filter.anyStatus')}</option>
          ${STATUSES.map((s) => html`<option key=${s} value=${s}>${t('status.' + s)}</option>`)}
        </select>
      </label>
      <label>${t('deliveries.filter.connector')}
        <input name="connector" list="known-connectors" value=${form.connector}
               onInput=${field('connector')} spellcheck="false" />
        <datalist id="known-connectors">
          ${connectors.map((c) => html`<option key=${c} value=${c}></option>`)}
        </datalist>
      </label>
      <label>${t('deliveries.filter.since')}
        <input name="since" type="datetime-local" value=${form.since} onInput=${field('since')} />
      </label>
      <label>${t('deliveries.filter.record')}
        <input name="record" value=${form.record} onInput=${field('record')} spellcheck="false" />
      </label>
      <div class="filter-actions">
        <button type="submit" class="primary">${t('deliveries.filter.apply')}</button>
        <a class="button quiet" href="#/deliveries">${t('deliveries.filter.clear')}</a>
      </div>
    </form>`;
}

export function DeliveriesScreen({ params, metrics }) {
  const filter = filterOf(params);
  const cursor = params.cursor || '';
  const key = JSON.stringify({ ...filter, cursor });
  const [state, setState] = useState({ loading: true, items: [], next: '', error: null });
  const [nonce, setNonce] = useState(0);
  const [notice, setNotice] = useState('');
  const [bulk, setBulk] = useState(null);  // { count } or { error }
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    readDeliveries(filter, { cursor }).then(
      ({ items, next }) => current && setState({ loading: false, items, next, error: null }),
      (error) => current && setState({ loading: false, items: [], next: '', error }));
    return () => {
      current = false;
    };
  }, [key, nonce]);

  // What the bulk retry takes: the dead deliveries of the filter's connector, record and time.
  const retryScope = { connector: filter.connector, since: filter.since, record: filter.record };

  async function prepareBulk() {
    setNotice('');
    setBusy(true);
    try {
      const answer = await request('POST', '/admin/v1/deliveries/retry', {
        query: { ...retryScope, dryRun: 'true' },
      });
      setBulk({ count: Number(answer.data && answer.data.wouldRetry) || 0 });
    } catch (error) {
      setBulk({ error });
    } finally {
      setBusy(false);
    }
  }

  async function bulkRetry() {
    setBusy(true);
    try {
      const answer = await request('POST', '/admin/v1/deliveries/retry', { query: retryScope });
      const count = Number(answer.data && answer.data.retried) || 0;
      setNotice(t('deliveries.bulk.done', { count }));
      setBulk(null);
      setNonce((n) => n + 1);
    } catch (error) {
      setBulk({ error });
    } finally {
      setBusy(false);
    }
  }

  const connectors = metrics && metrics.latest ? Object.keys(metrics.latest.connectors).sort() : [];
  const any = t('deliveries.bulk.any');
  return html`
    <div class="screen-head">
      <h1>${t('deliveries.title')}</h1>
      <button type="button" class="quiet" id="refresh" onClick=${() => setNonce((n) => n + 1)}>
        ${t('common.refresh')}</button>
    </div>
    <${FilterForm} filter=${filter} connectors=${connectors} />
    <div class="toolbar">
      <span id="delivery-count" class="muted">
        ${state.loading ? t('common.loading') : t('deliveries.count', { count: state.items.length })}
      </span>
      ${cursor && html`
        <a class="button quiet" id="deliveries-first" href=${href('/deliveries', filter)}>
          ${t('deliveries.first')}</a>`}
      ${state.next && html`
        <button type="button" id="deliveries-next"
                onClick=${() => navigate('/deliveries', { ...filter, cursor: state.next })}>
          ${t('deliveries.next')}</button>`}
      <button type="button" id="bulk-retry" disabled=${busy} onClick=${prepareBulk}>${t('deliveries.bulk')}</button>
    </div>
    ${notice && html`<p class="notice" role="status" id="notice">${notice}</p>`}
    ${state.error && html`<p class="error" role="alert">${errorText(state.error)}</p>`}
    ${!state.loading && !state.error && state.items.length === 0 &&
      html`<p class="muted">${t('deliveries.empty')}</p>`}
    ${state.items.length > 0 && html`
      <table class="data" id="deliveries">
        <thead><tr>
          <th scope="col">${t('deliveries.col.updated')}</th>
          <th scope="col">${t('deliveries.col.id')}</th>
          <th scope="col">${t('deliveries.col.record')}</th>
          <th scope="col">${t('deliveries.col.destination')}</th>
          <th scope="col">${t('deliveries.col.connector')}</th>
          <th scope="col">${t('deliveries.col.status')}</th>
          <th scope="col" class="num">${t('deliveries.col.attempts')}</th>
          <th scope="col">${t('deliveries.col.lastError')}</th>
        </tr></thead>
        <tbody>
          ${state.items.map((d) => html`
            <tr key=${d.id} data-delivery=${d.id}>
              <td>${formatDateTime(d.updatedAt)}</td>
              <td><a href=${'#/deliveries/' + encodeURIComponent(d.id)}><code>${d.id}</code></a></td>
              <td><a href=${href('/records', { id: d.record })}><code>${d.record}</code></a></td>
              <td>${d.destination}</td>
              <td>${d.connector || t('common.none')}</td>
              <td><${StatusBadge} status=${d.status} /></td>
              <td class="num">${d.attempts}</td>
              <td class="wrap">${d.lastError || ''}</td>
            </tr>`)}
        </tbody>
      </table>`}
    <${ConfirmDialog} open=${bulk !== null} title=${t('deliveries.bulk.title')} busy=${busy}
        confirmLabel=${bulk && !bulk.error && bulk.count > 0 ? t('deliveries.bulk.ok') : ''}
        onConfirm=${bulkRetry} onCancel=${() => setBulk(null)}>
      ${bulk && bulk.error && html`<p class="error" role="alert">${errorText(bulk.error)}</p>`}
      ${bulk && !bulk.error && bulk.count === 0 && html`<p id="bulk-count">${t('deliveries.bulk.none')}</p>`}
      ${bulk && !bulk.error && bulk.count > 0 && html`
        <p id="bulk-count" data-count=${bulk.count}>${t('deliveries.bulk.confirm', { count: bulk.count })}</p>
        <p class="muted">${t('deliveries.bulk.scope', {
          connector: filter.connector || any,
          since: filter.since ? formatDateTime(filter.since) : any,
          record: filter.record || any,
        })}</p>`}
    <//>`;
}

function Field({ name, children }) {
  return html`<div class="field"><dt>${t('delivery.' + name)}</dt><dd data-field=${name}>${children}</dd></div>`;
}

export function DeliveryScreen({ id }) {
  const [state, setState] = useState({ loading: true, delivery: null, error: null });
  const [nonce, setNonce] = useState(0);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    let timer = 0;
    request('GET', '/admin/v1/deliveries/' + encodeURIComponent(id)).then(
      (answer) => {
        if (!current) return;
        setState({ loading: false, delivery: answer.data, error: null });
        // Watch a delivery that is still under way until it is delivered, dead or skipped.
        if (!FINISHED.includes(answer.data.status)) {
          timer = window.setTimeout(() => setNonce((n) => n + 1), WATCH_MS);
        }
      },
      (error) => current && setState({ loading: false, delivery: null, error }));
    return () => {
      current = false;
      window.clearTimeout(timer);
    };
  }, [id, nonce]);

  async function retry() {
    setBusy(true);
    setNotice('');
    try {
      await request('POST', '/admin/v1/deliveries/' + encodeURIComponent(id) + '/retry');
      setNotice(t('delivery.retried'));
      setNonce((n) => n + 1);
    } catch (error) {
      setState((s) => ({ ...s, error }));
    } finally {
      setBusy(false);
    }
  }

  const d = state.delivery;
  return html`
    <p><a href="#/deliveries">← ${t('delivery.back')}</a></p>
    <div class="screen-head">
      <h1>${t('delivery.title', { id })}</h1>
      ${d && d.status === 'dead' && html`
        <button type="button" class="primary" id="retry" disabled=${busy} onClick=${retry}>
          ${t('delivery.retry')}</button>`}
    </div>
    ${notice && html`<p class="notice" role="status" id="notice">${notice}</p>`}
    ${state.error && html`<p class="error" role="alert">${errorText(state.error)}</p>`}
    ${state.loading && html`<p class="muted">${t('common.loading')}</p>`}
    ${d && html`
      ${!FINISHED.includes(d.status) && html`<p class="muted">${t('delivery.watching')}</p>`}
      <dl class="fields" id="delivery">
        <${Field} name="status"><${StatusBadge} status=${d.status} /><//>
        <${Field} name="record">
          <a href=${href('/records', { id: d.record })} title=${t('delivery.openRecord')}>
            <code>${d.record}</code></a>
          ${' · '}<a href=${href('/deliveries', { record: d.record })}>${t('delivery.sameRecord')}</a><//>
        ${d.document && html`<${Field} name="document"><code>${d.document}</code><//>`}
        <${Field} name="destination">${d.destination}<//>
        <${Field} name="connector">${d.connector || t('common.none')}<//>
        ${d.reason && html`<${Field} name="reason">${d.reason}<//>`}
        <${Field} name="attempts">${d.attempts}<//>
        ${d.lastError && html`<${Field} name="lastError">${d.lastError}<//>`}
        ${d.nextAttemptAt && html`<${Field} name="nextAttemptAt">${formatDateTime(d.nextAttemptAt)}<//>`}
        ${d.firstAttemptAt && html`<${Field} name="firstAttemptAt">${formatDateTime(d.firstAttemptAt)}<//>`}
        <${Field} name="createdAt">${formatDateTime(d.createdAt)}<//>
        <${Field} name="updatedAt">${formatDateTime(d.updatedAt)}<//>
      </dl>
      <h2>${t('delivery.log')}</h2>
      ${(d.attemptLog || []).length === 0 ? html`<p class="muted">${t('delivery.log.empty')}</p>` : html`
        <table class="data" id="attempts">
          <thead><tr>
            <th scope="col">${t('delivery.log.at')}</th>
            <th scope="col">${t('delivery.log.outcome')}</th>
            <th scope="col">${t('delivery.log.errorClass')}</th>
            <th scope="col" class="num">${t('delivery.log.httpStatus')}</th>
            <th scope="col">${t('delivery.log.message')}</th>
          </tr></thead>
          <tbody>
            ${d.attemptLog.map((a, i) => html`
              <tr key=${i}>
                <td>${formatDateTime(a.at)}</td>
                <td>${a.outcome}</td>
                <td>${a.errorClass || ''}</td>
                <td class="num">${a.httpStatus ?? ''}</td>
                <td class="wrap">${a.message || ''}</td>
              </tr>`)}
          </tbody>
        </table>`}`}`;
}
