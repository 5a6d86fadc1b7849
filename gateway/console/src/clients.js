// API clients and their keys: list and create (the key shown once, with a copy button), one
// client with its keys (add a key, revoke one), disable a client.
import { useEffect, useState } from 'preact/hooks';
import { request } from './api.js';
import { ConfirmDialog } from './dialog.js';
import { errorText, formatDateTime } from './format.js';
import { html } from './html.js';
import { t } from './i18n.js';

/** The key of a creation, shown this once: selectable text and a copy button. */
function KeyOnce({ secret }) {
  const [copied, setCopied] = useState('');
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(t('clients.key.copied'));
    } catch {
      setCopied(t('clients.key.copyFailed'));
    }
  }
  return html`
    <div class="key-once">
      <p class="notice">${t('clients.key.once')}</p>
      <input id="new-key" readonly value=${secret} spellcheck="false"
             onFocus=${(e) => e.currentTarget.select()} aria-label=${t('clients.key.label')} />
      <button type="button" class="primary" id="copy-key" onClick=${copy}>${t('clients.key.copy')}</button>
      ${copied && html`<span role="status" id="copy-status">${copied}</span>`}
    </div>`;
}

function Issues({ error }) {
  if (!error) return null;
  if (error.issues && error.issues.length > 0) {
    return html`
      <div class="error" role="alert">
        <p>${t('error.status', { status: error.status })}</p>
        <ul class="issues">
          ${error.issues.map((i, n) => html`
            <li key=${n}>${i.at && !i.text.startsWith(i.at) && html`<code>${i.at}</code> `}${i.text}</li>`)}
        </ul>
      </div>`;
  }
  return html`<p class="error" role="alert">${errorText(error)}</p>`;
}
export { Issues };

export function ClientsScreen() {
  const [state, setState] = useState({ loading: true, clients: [], error: null });
  const [nonce, setNonce] = useState(0);
  const [form, setForm] = useState({ name: '', role: 'editor', rateLimit: '' });
  const [created, setCreated] = useState(null);
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let current = true;
    request('GET', '/admin/v1/clients').then(
      (answer) => current && setState({ loading: false, clients: answer.data, error: null }),
      (error) => current && setState({ loading: false, clients: [], error }));
    return () => {
      current = false;
    };
  }, [nonce]);

  async function create(e) {
    e.preventDefault();
    setBusy(true);
    setFormError(null);
    const body = { name: form.name, role: form.role };
    if (form.rateLimit.trim() !== '') body.rateLimit = Number(form.rateLimit);
    try {
      const answer = await request('POST', '/admin/v1/clients', { body });
      setCreated(answer.data);
      setForm({ name: '', role: 'editor', rateLimit: '' });
      setNonce((n) => n + 1);
    } catch (error) {
      setFormError(error);
    } finally {
      setBusy(false);
    }
  }

  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });
  return html`
    <div class="screen-head"><h1>${t('clients.title')}</h1></div>
    <form class="filters" id="new-client" onSubmit=${create} aria-label=${t('clients.create')}>
      <label>${t('clients.name')}
        <input name="name" value=${form.name} onInput=${field('name')} size="30" />
      </label>
      <label>${t('clients.role')}
        <select name="role" value=${form.role} onChange=${field('role')}>
          <option value="editor">${t('clients.role.editor')}</option>
          <option value="admin">${t('clients.role.admin')}</option>
        </select>
      </label>
      <label>${t('clients.rateLimit')}
        <input name="rateLimit" type="number" min="1" value=${form.rateLimit}
               onInput=${field('rateLimit')} placeholder=${t('clients.unlimited')} />
      </label>
      <div class="filter-actions">
        <button type="submit" class="primary" disabled=${busy}>${t('clients.create')}</button>
      </div>
    </form>
    <${Issues} error=${formError} />
    ${state.error && html`<p class="error" role="alert">${errorText(state.error)}</p>`}
    ${state.loading && html`<p class="muted">${t('common.loading')}</p>`}
    ${!state.loading && state.clients.length === 0 && !state.error &&
      html`<p class="muted">${t('clients.empty')}</p>`}
    ${state.clients.length > 0 && html`
      <table class="data" id="clients">
        <thead><tr>
          <th scope="col">${t('clients.name')}</th>
          <th scope="col">${t('clients.id')}</th>
          <th scope="col">${t('clients.role')}</th>
          <th scope="col" class="num">${t('clients.rateLimit')}</th>
          <th scope="col">${t('clients.createdAt')}</th>
          <th scope="col">${t('clients.state')}</th>
        </tr></thead>
        <tbody>
          ${state.clients.map((c) => html`
            <tr key=${c.id} data-client=${c.id}>
              <th scope="row"><a href=${'#/clients/' + encodeURIComponent(c.id)}>${c.name}</a></th>
              <td><code>${c.id}</code></td>
              <td>${t('clients.role.' + c.role)}</td>
              <td class="num">${c.rateLimit ?? t('clients.unlimited')}</td>
              <td>${formatDateTime(c.createdAt)}</td>
              <td>${c.disabled ? html`<span class="badge status-dead">${t('clients.disabled')}</span>`
                               : html`<span class="badge status-delivered">${t('clients.active')}</span>`}</td>
            </tr>`)}
        </tbody>
      </table>`}
    <${ConfirmDialog} id="created" open=${created !== null} title=${t('clients.created')}
        onCancel=${() => setCreated(null)}>
      ${created && html`
        <p>${t('clients.createdText', { name: created.name, id: created.id })}</p>
        <${KeyOnce} secret=${created.key} />`}
    <//>`;
}

export function ClientScreen({ id }) {
  const [state, setState] = useState({ loading: true, client: null, keys: [], error: null });
  const [nonce, setNonce] = useState(0);
  const [newKey, setNewKey] = useState(null);
  const [confirm, setConfirm] = useState(null);  // { kind: 'revoke', keyId } or { kind: 'disable' }
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const path = '/admin/v1/clients/' + encodeURIComponent(id);

  useEffect(() => {
    let current = true;
    Promise.all([request('GET', path), request('GET', path + '/keys')]).then(
      ([client, keys]) => current && setState({
        loading: false, client: client.data, keys: keys.data, error: null,
      }),
      (failure) => current && setState({ loading: false, client: null, keys: [], error: failure }));
    return () => {
      current = false;
    };
  }, [id, nonce]);

  async function act(call) {
    setBusy(true);
    setError(null);
    try {
      await call();
      setNonce((n) => n + 1);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  }
  const addKey = () => act(async () => {
    const answer = await request('POST', path + '/keys');
    setNewKey(answer.data);
  });
  const confirmed = () => act(() => (confirm.kind === 'revoke'
    ? request('DELETE', path + '/keys/' + encodeURIComponent(confirm.keyId))
    : request('DELETE', path)));

  const c = state.client;
  return html`
    <p><a href="#/clients">← ${t('clients.back')}</a></p>
    <div class="screen-head">
      <h1>${c ? c.name : id}</h1>
      ${c && !c.disabled && html`
        <button type="button" class="primary" id="add-key" disabled=${busy} onClick=${addKey}>
          ${t('clients.addKey')}</button>
        <button type="button" class="danger" id="disable-client" disabled=${busy}
                onClick=${() => setConfirm({ kind: 'disable' })}>${t('clients.disable')}</button>`}
    </div>
    ${state.error && html`<p class="error" role="alert">${errorText(state.error)}</p>`}
    <${Issues} error=${error} />
    ${c && html`
      <dl class="fields" id="client">
        <div class="field"><dt>${t('clients.id')}</dt><dd><code>${c.id}</code></dd></div>
        <div class="field"><dt>${t('clients.role')}</dt><dd>${t('clients.role.' + c.role)}</dd></div>
        <div class="field"><dt>${t('clients.rateLimit')}</dt>
          <dd>${c.rateLimit ?? t('clients.unlimited')}</dd></div>
        <div class="field"><dt>${t('clients.createdAt')}</dt><dd>${formatDateTime(c.createdAt)}</dd></div>
        <div class="field"><dt>${t('clients.state')}</dt>
          <dd>${c.disabled ? t('clients.disabled') : t('clients.active')}</dd></div>
      </dl>
      <h2>${t('clients.keys')}</h2>
      <table class="data" id="keys">
        <thead><tr>
          <th scope="col">${t('clients.keyId')}</th>
          <th scope="col">${t('clients.createdAt')}</th>
          <th scope="col">${t('clients.state')}</th>
          <th scope="col"></th>
        </tr></thead>
        <tbody>
          ${state.keys.map((k) => html`
            <tr key=${k.keyId} data-key=${k.keyId}>
              <td><code>${k.keyId}</code></td>
              <td>${formatDateTime(k.createdAt)}</td>
              <td>${k.revoked ? html`<span class="badge status-dead">${t('clients.revoked')}</span>`
                              : html`<span class="badge status-delivered">${t('clients.active')}</span>`}</td>
              <td>${!k.revoked && html`
                <button type="button" class="danger small" data-revoke=${k.keyId} disabled=${busy}
                        onClick=${() => setConfirm({ kind: 'revoke', keyId: k.keyId })}>
                  ${t('clients.revoke')}</button>`}</td>
            </tr>`)}
        </tbody>
      </table>`}
    <${ConfirmDialog} id="created" open=${newKey !== null} title=${t('clients.keyAdded')}
        onCancel=${() => setNewKey(null)}>
      ${newKey && html`<${KeyOnce} secret=${newKey.key} />`}
    <//>
    <${ConfirmDialog} open=${confirm !== null} busy=${busy} danger
        title=${confirm && confirm.kind === 'revoke' ? t('clients.revoke') : t('clients.disable')}
        confirmLabel=${confirm && confirm.kind === 'revoke' ? t('clients.revoke') : t('clients.disable')}
        onConfirm=${confirmed} onCancel=${() => setConfirm(null)}>
      <p>${confirm && confirm.kind === 'revoke'
        ? t('clients.revokeText', { keyId: confirm.keyId })
        : t('clients.disableText', { name: c ? c.name : id })}</p>
    <//>`;
}
