// Connector instances: the list with their state, source and set secrets (never their values);
// create or edit one as its JSON object (the configuration file's shape), checked by the API,
// whose issues are shown at their key paths; test the connection; enable or disable; delete.
import { useEffect, useState } from 'preact/hooks';
import { request } from './api.js';
import { Issues } from './clients.js';
import { ConfirmDialog } from './dialog.js';
import { errorText, formatDateTime } from './format.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { navigate } from './router.js';

const VIEW_ONLY = ['source', 'readOnly', 'secrets', 'state', 'createdAt', 'updatedAt'];

const TEMPLATES = {
  file: { id: '', type: 'file', routes: ['dmp'], options: { directory: '/var/lib/fhir-gateway/outbox' } },
  'fhir-rest': {
    id: '', type: 'fhir-rest', routes: ['encounter'],
    options: { baseUrl: 'https://fhir.example.fr/r4', bearerToken: '' },
  },
  mhd: {
    id: '', type: 'mhd', routes: ['dmp'],
    options: { baseUrl: 'https://pdsm.example.fr/fhir', sourceId: '1.2.250.1.999.1.1',
      caFile: '', clientCertificateFile: '', clientKeyFile: '' },
  },
  mssante: { id: '', type: 'mssante', routes: ['treating-physician'], options: {} },
  'dmp-xds': { id: '', type: 'dmp-xds', routes: ['dmp'], options: {} },
};

/** The instance object of a view, as PUT takes it (secrets left out are kept). */
function instanceOf(view) {
  const out = {};
  for (const [key, value] of Object.entries(view)) if (!VIEW_ONLY.includes(key)) out[key] = value;
  return out;
}

function parseBody(text) {
  try {
    const value = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return { value };
  } catch (e) {
    return { error: { status: 0, message: t('connectors.badJson', { reason: e.message }), issues: [] } };
  }
  return { error: { status: 0, message: t('connectors.notObject'), issues: [] } };
}

function TestResult({ result }) {
  if (!result) return null;
  return html`
    <div class=${result.ok ? 'notice good' : 'error'} role="status" id="test-result">
      <p><strong>${result.ok ? t('connectors.test.ok') : t('connectors.test.failed')}</strong>
        ${' '}${t('connectors.test.duration', { ms: result.durationMs })}</p>
      ${result.endpoint && html`<p>${t('connectors.test.endpoint')} <code>${result.endpoint}</code></p>`}
      ${result.errorClass && html`<p>${t('connectors.test.class')} <code>${result.errorClass}</code>
        ${result.reason && html` · <code>${result.reason}</code>`}</p>`}
      ${result.message && html`<p>${result.message}</p>`}
    </div>`;
}

export function ConnectorsScreen() {
  const [state, setState] = useState({ loading: true, connectors: [], error: null });
  const [type, setType] = useState('file');
  const [text, setText] = useState(JSON.stringify(TEMPLATES.file, null, 2));
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    request('GET', '/admin/v1/connectors').then(
      (answer) => current && setState({ loading: false, connectors: answer.data, error: null }),
      (failure) => current && setState({ loading: false, connectors: [], error: failure }));
    return () => {
      current = false;
    };
  }, []);

  async function create(e) {
    e.preventDefault();
    const body = parseBody(text);
    if (body.error) {
      setError(body.error);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await request('POST', '/admin/v1/connectors', { body: body.value });
      navigate('/connectors/' + encodeURIComponent(answer.data.id), { created: '1' });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return html`
    <div class="screen-head"><h1>${t('connectors.title')}</h1></div>
    ${state.error && html`<p class="error" role="alert">${errorText(state.error)}</p>`}
    ${state.loading && html`<p class="muted">${t('common.loading')}</p>`}
    ${state.connectors.length > 0 && html`
      <table class="data" id="connector-list">
        <thead><tr>
          <th scope="col">${t('connectors.id')}</th>
          <th scope="col">${t('connectors.type')}</th>
          <th scope="col">${t('connectors.routes')}</th>
          <th scope="col">${t('connectors.state')}</th>
          <th scope="col">${t('connectors.source')}</th>
          <th scope="col">${t('connectors.secrets')}</th>
        </tr></thead>
        <tbody>
          ${state.connectors.map((c) => html`
            <tr key=${c.id} data-connector=${c.id}>
              <th scope="row"><a href=${'#/connectors/' + encodeURIComponent(c.id)}>${c.id}</a></th>
              <td>${c.type}</td>
              <td>${(c.routes || []).join(', ')}</td>
              <td><span class=${'badge ' + (c.state === 'running' ? 'status-delivered' : 'status-dead')}>
                ${t('connectors.state.' + c.state)}</span></td>
              <td>${t('connectors.source.' + c.source)}</td>
              <td>${(c.secrets || []).length ? (c.secrets || []).join(', ') : t('common.none')}</td>
            </tr>`)}
        </tbody>
      </table>`}
    <h2>${t('connectors.create')}</h2>
    <form id="new-connector" class="editor" onSubmit=${create}>
      <label>${t('connectors.template')}
        <select name="template" value=${type} onChange=${(e) => {
          setType(e.currentTarget.value);
          setText(JSON.stringify(TEMPLATES[e.currentTarget.value], null, 2));
        }}>
          ${Object.keys(TEMPLATES).map((k) => html`<option key=${k} value=${k}>${k}</option>`)}
        </select>
      </label>
      <label>${t('connectors.json')}
        <textarea name="instance" rows="14" spellcheck="false" value=${text}
                  onInput=${(e) => setText(e.currentTarget.value)}></textarea>
      </label>
      <p class="hint">${t('connectors.jsonHint')}</p>
      <${Issues} error=${error} />
      <div><button type="submit" class="primary" disabled=${busy}>${t('connectors.create')}</button></div>
    </form>`;
}

export function ConnectorScreen({ id, params }) {
  const [state, setState] = useState({ loading: true, view: null, error: null });
  const [nonce, setNonce] = useState(0);
  const [text, setText] = useState('');
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState(params.created ? t('connectors.created') : '');
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const path = '/admin/v1/connectors/' + encodeURIComponent(id);

  useEffect(() => {
    let current = true;
    request('GET', path).then(
      (answer) => {
        if (!current) return;
        setState({ loading: false, view: answer.data, error: null });
        setText(JSON.stringify(instanceOf(answer.data), null, 2));
      },
      (failure) => current && setState({ loading: false, view: null, error: failure }));
    return () => {
      current = false;
    };
  }, [id, nonce]);

  async function run(call, done) {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      await call();
      if (done) setNotice(done);
      setNonce((n) => n + 1);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const save = (e) => {
    e.preventDefault();
    const body = parseBody(text);
    if (body.error) {
      setError(body.error);
      return;
    }
    run(() => request('PUT', path, { body: body.value }), t('connectors.saved'));
  };
  const toggle = () => {
    const body = instanceOf(state.view);
    body.enabled = !(state.view.enabled ?? true);
    run(() => request('PUT', path, { body }),
      body.enabled ? t('connectors.enabled') : t('connectors.disabledNow'));
  };
  const test = () => run(async () => {
    setResult(null);
    const answer = await request('POST', path + '/test');
    setResult(answer.data);
  });
  const remove = async () => {
    setBusy(true);
    try {
      // The version read: a change made meanwhile by someone else is refused (409), not lost.
      await request('DELETE', path, { headers: { 'If-Match': `"${state.view.version}"` } });
      navigate('/connectors');
    } catch (failure) {
      setError(failure);
      setDeleting(false);
    } finally {
      setBusy(false);
    }
  };

  const v = state.view;
  const readOnly = v && v.source === 'file';
  return html`
    <p><a href="#/connectors">← ${t('connectors.back')}</a></p>
    <div class="screen-head">
      <h1>${t('connectors.one', { id })}</h1>
      ${v && html`
        <button type="button" id="test-connector" disabled=${busy} onClick=${test}>${t('connectors.test')}</button>
        ${!readOnly && html`
          <button type="button" id="toggle-connector" disabled=${busy} onClick=${toggle}>
            ${(v.enabled ?? true) ? t('connectors.disable') : t('connectors.enable')}</button>
          <button type="button" class="danger" id="delete-connector" disabled=${busy}
                  onClick=${() => setDeleting(true)}>${t('connectors.delete')}</button>`}`}
    </div>
    ${notice && html`<p class="notice" role="status" id="notice">${notice}</p>`}
    ${state.error && html`<p class="error" role="alert">${errorText(state.error)}</p>`}
    <${TestResult} result=${result} />
    ${v && html`
      <dl class="fields" id="connector">
        <div class="field"><dt>${t('connectors.type')}</dt><dd data-field="type">${v.type}</dd></div>
        <div class="field"><dt>${t('connectors.state')}</dt>
          <dd data-field="state">${t('connectors.state.' + v.state)}</dd></div>
        <div class="field"><dt>${t('connectors.source')}</dt>
          <dd data-field="source">${t('connectors.source.' + v.source)}</dd></div>
        ${v.version && html`<div class="field"><dt>${t('connectors.version')}</dt>
          <dd data-field="version">${v.version}</dd></div>`}
        <div class="field"><dt>${t('connectors.secrets')}</dt>
          <dd data-field="secrets">${(v.secrets || []).length ? v.secrets.join(', ') : t('common.none')}</dd></div>
        ${v.updatedAt && html`<div class="field"><dt>${t('connectors.updatedAt')}</dt>
          <dd data-field="updatedAt">${formatDateTime(v.updatedAt)}</dd></div>`}
      </dl>
      ${readOnly ? html`<p class="notice">${t('connectors.readOnly')}</p>` : html`
        <form id="edit-connector" class="editor" onSubmit=${save}>
          <label>${t('connectors.json')}
            <textarea name="instance" rows="16" spellcheck="false" value=${text}
                      onInput=${(e) => setText(e.currentTarget.value)}></textarea>
          </label>
          <p class="hint">${t('connectors.secretsHint')}</p>
          <${Issues} error=${error} />
          <div><button type="submit" class="primary" disabled=${busy}>${t('connectors.save')}</button></div>
        </form>`}
      ${readOnly && html`<${Issues} error=${error} />`}`}
    <${ConfirmDialog} open=${deleting} busy=${busy} danger title=${t('connectors.delete')}
        confirmLabel=${t('connectors.delete')} onConfirm=${remove} onCancel=${() => setDeleting(false)}>
      <p>${t('connectors.deleteText', { id })}</p>
    <//>`;
}
