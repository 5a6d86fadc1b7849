// Practitioners' yearly activity for TLC-ACTIVITY-CAP: read what is declared and recorded for an
// RPPS number and a year, declare the total of acts (and a derogation threshold).
import { useState } from 'preact/hooks';
import { request } from './api.js';
import { Issues } from './clients.js';
import { html } from './html.js';
import { t } from './i18n.js';

export function ActivityScreen() {
  const [form, setForm] = useState({
    rpps: '', year: String(new Date().getFullYear()), totalActs: '', capPercent: '',
  });
  const [activity, setActivity] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const path = () => '/admin/v1/practitioners/' + encodeURIComponent(form.rpps.trim()) + '/activity';
  const field = (name) => (e) => setForm({ ...form, [name]: e.currentTarget.value });

  async function run(call) {
    setBusy(true);
    setError(null);
    setNotice('');
    try {
      await call();
    } catch (failure) {
      setError(failure);
      setActivity(null);
    } finally {
      setBusy(false);
    }
  }
  const read = (e) => {
    e.preventDefault();
    run(async () => {
      const answer = await request('GET', path(), { query: { year: form.year } });
      setActivity(answer.data);
    });
  };
  const declare = () => run(async () => {
    const body = { year: Number(form.year), totalActs: Number(form.totalActs) };
    if (form.capPercent.trim() !== '') body.capPercent = Number(form.capPercent);
    await request('PUT', path(), { body });
    const answer = await request('GET', path(), { query: { year: form.year } });
    setActivity(answer.data);
    setNotice(t('activity.declared'));
  });

  return html`
    <div class="screen-head"><h1>${t('activity.title')}</h1></div>
    <p class="muted">${t('activity.intro')}</p>
    <form class="filters" id="activity-form" onSubmit=${read}>
      <label>${t('activity.rpps')}
        <input name="rpps" value=${form.rpps} onInput=${field('rpps')} inputmode="numeric" size="14" />
      </label>
      <label>${t('activity.year')}
        <input name="year" type="number" min="2000" max="2200" value=${form.year} onInput=${field('year')} />
      </label>
      <button type="submit" class="primary" disabled=${busy}>${t('activity.read')}</button>
      <label>${t('activity.totalActs')}
        <input name="totalActs" type="number" min="0" value=${form.totalActs} onInput=${field('totalActs')} />
      </label>
      <label>${t('activity.capPercent')}
        <input name="capPercent" type="number" min="0" max="100" value=${form.capPercent}
               onInput=${field('capPercent')} placeholder=${t('activity.configured')} />
      </label>
      <button type="button" id="declare" disabled=${busy} onClick=${declare}>${t('activity.declare')}</button>
    </form>
    ${notice && html`<p class="notice" role="status">${notice}</p>`}
    <${Issues} error=${error} />
    ${activity && html`
      <dl class="fields" id="activity">
        <div class="field"><dt>${t('activity.rpps')}</dt>
          <dd data-field="rpps"><code>${activity.rpps}</code></dd></div>
        <div class="field"><dt>${t('activity.year')}</dt><dd data-field="year">${activity.year}</dd></div>
        <div class="field"><dt>${t('activity.totalActs')}</dt>
          <dd data-field="totalActs">${activity.totalActs}</dd></div>
        <div class="field"><dt>${t('activity.recorded')}</dt>
          <dd data-field="recorded">${activity.teleconsultationsRecorded}</dd></div>
        <div class="field"><dt>${t('activity.capPercent')}</dt>
          <dd data-field="capPercent">${activity.capPercent ?? t('activity.configured')}</dd></div>
      </dl>`}`;
}
