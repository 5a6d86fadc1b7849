// The login screen: the admin token (or an admin client's key) is checked against GET /metrics,
// an admin-only call, before it is kept in the tab's sessionStorage.
import { useState } from 'preact/hooks';
import { request } from './api.js';
import { errorText } from './format.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { saveToken } from './session.js';

export function Login({ onLogin, expired }) {
  const [secret, setSecret] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    const value = secret.trim();
    if (!value) {
      setError(t('login.empty'));
      return;
    }
    setBusy(true);
    setError('');
    try {
      await request('GET', '/metrics', { credential: value });
      saveToken(value);
      setSecret('');
      onLogin();
    } catch (e) {
      if (e.status === 401) setError(t('login.refused'));
      else if (e.status === 403) setError(t('login.notAdmin'));
      else setError(errorText(e));
    } finally {
      setBusy(false);
    }
  }

  return html`
    <main class="login">
      <form class="card" id="login" method="post" autocomplete="off" novalidate onSubmit=${submit}>
        <h1>${t('login.title')}</h1>
        <p>${t('login.intro')}</p>
        ${expired && !error && html`<p class="notice" role="status">${t('login.expired')}</p>`}
        <label for="token">${t('login.label')}</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck="false"
               value=${secret} onInput=${(e) => setSecret(e.currentTarget.value)} />
        <p class="hint">${t('login.hint')}</p>
        ${error && html`<p class="error" role="alert">${error}</p>`}
        <button type="submit" class="primary" disabled=${busy}>${t('login.submit')}</button>
      </form>
    </main>`;
}
