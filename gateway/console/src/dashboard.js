// The dashboard: per connector queue depth, oldest pending age, deliveries per minute, failures
// by error class, dead deliveries and circuit state; ingest and refusals per minute and by rule
// ID; charts of the last hour. Everything comes from /metrics (useMetrics in app.js).
import { TimeChart } from './chart.js';
import { errorText, formatDuration, formatNumber, formatTime } from './format.js';
import { html } from './html.js';
import { t } from './i18n.js';
import { SAMPLE_SECONDS, increase, perMinute, series } from './metrics.js';
import { href } from './router.js';

const RATE_WINDOW = 300;
const CIRCUITS = ['closed', 'half-open', 'open'];

function circuitName(value) {
  return value === null || value === undefined ? 'unknown' : CIRCUITS[value] || 'unknown';
}

function Card({ id, title, value, detail, tone, children }) {
  return html`
    <section class=${'card stat ' + (tone || '')} id=${id}>
      <h2>${title}</h2>
      <p class="value">${value}</p>
      ${detail && html`<p class="muted">${detail}</p>`}
      ${children}
    </section>`;
}

function rateText(value) {
  return value === null ? t('common.none') : t('dash.perMinute', { value: formatNumber(value, 1) });
}

function windowText(history) {
  if (history.length < 2) return t('dash.windowWaiting');
  const last = history[history.length - 1];
  const first = history.find((s) => s.t >= last.t - RATE_WINDOW) || history[0];
  return t('dash.window', { minutes: formatNumber((last.t - first.t) / 60, 1) });
}

function ConnectorTable({ latest, history }) {
  const ids = Object.keys(latest.connectors).sort();
  if (ids.length === 0) return html`<p class="muted">${t('dash.noConnectors')}</p>`;
  return html`
    <table class="data" id="connectors">
      <thead><tr>
        <th scope="col">${t('dash.col.connector')}</th>
        <th scope="col">${t('dash.col.circuit')}</th>
        <th scope="col" class="num">${t('dash.col.depth')}</th>
        <th scope="col" class="num">${t('dash.col.oldest')}</th>
        <th scope="col" class="num">${t('dash.col.rate')}</th>
        <th scope="col">${t('dash.col.failures')}</th>
        <th scope="col" class="num">${t('dash.col.dead')}</th>
      </tr></thead>
      <tbody>
        ${ids.map((id) => {
          const c = latest.connectors[id];
          const circuit = circuitName(c.circuit);
          const rate = perMinute(history, (s) => s.connectors[id]?.delivered, RATE_WINDOW);
          const classes = Object.entries(c.failedByClass).filter(([, n]) => n > 0);
          return html`
            <tr key=${id} data-connector=${id}>
              <th scope="row">${id}</th>
              <td><span class=${'badge circuit-' + circuit}>${t('circuit.' + circuit)}</span></td>
              <td class="num">${formatNumber(c.depth)}</td>
              <td class="num">${c.depth > 0 ? formatDuration(c.oldest) : t('common.none')}</td>
              <td class="num">${rate === null ? t('common.none') : formatNumber(rate, 1)}</td>
              <td>${classes.length === 0 ? html`<span class="muted">${t('dash.noFailures')}</span>`
                : classes.map(([name, n]) => html`
                  <span class="chip" key=${name}>${name} ${formatNumber(n)}</span>`)}</td>
              <td class="num">
                ${c.dead > 0
                  ? html`<a class="dead-link" href=${href('/deliveries', { status: 'dead', connector: id })}>
                      ${formatNumber(c.dead)}</a>`
                  : formatNumber(c.dead)}
              </td>
            </tr>`;
        })}
      </tbody>
    </table>`;
}

function RuleTable({ latest, history }) {
  const first = history[0];
  const rules = Object.entries(latest.rules).filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (rules.length === 0) return html`<p class="muted">${t('dash.rules.none')}</p>`;
  return html`
    <table class="data" id="rules">
      <thead><tr>
        <th scope="col">${t('dash.col.rule')}</th>
        <th scope="col" class="num">${t('dash.col.sinceStart')}</th>
        <th scope="col" class="num">${t('dash.col.lastHour')}</th>
      </tr></thead>
      <tbody>
        ${rules.map(([rule, n]) => html`
          <tr key=${rule}>
            <th scope="row"><code>${rule}</code></th>
            <td class="num">${formatNumber(n)}</td>
            <td class="num">${formatNumber(increase(first?.rules?.[rule] ?? 0, n))}</td>
          </tr>`)}
      </tbody>
    </table>`;
}

function Charts({ latest, history }) {
  const ids = Object.keys(latest.connectors).sort();
  const delivered = series(history, ids.map((id) => (s) => s.connectors[id]?.delivered));
  const failed = series(history, ids.map((id) => (s) => s.connectors[id]?.failed));
  const depth = series(history, ids.map((id) => (s) => s.connectors[id]?.depth), { gauge: true });
  const ingest = series(history, [(s) => s.submissions.accepted, (s) => s.submissions.refused]);
  const named = (data, labels) => labels.map((label, i) => ({ label, values: data.values[i] }));
  return html`
    <div class="charts">
      <${TimeChart} id="chart-delivered" title=${t('chart.delivered')} times=${delivered.times}
                    series=${named(delivered, ids)} />
      <${TimeChart} id="chart-failed" title=${t('chart.failed')} times=${failed.times}
                    series=${named(failed, ids)} />
      <${TimeChart} id="chart-depth" title=${t('chart.depth')} times=${depth.times}
                    series=${named(depth, ids)} />
      <${TimeChart} id="chart-ingest" title=${t('chart.ingest')} times=${ingest.times}
                    series=${named(ingest, [t('chart.accepted'), t('chart.refused')])} />
    </div>`;
}

export function Dashboard({ metrics }) {
  const { latest, history, ready, error, refresh } = metrics;
  const head = html`
    <div class="screen-head">
      <h1>${t('dash.title')}</h1>
      ${latest && html`<span class="muted" id="sampled-at">
        ${t('common.updatedAt', { time: formatTime(latest.t) })}</span>`}
      <button type="button" class="quiet" id="refresh" onClick=${refresh}>${t('common.refresh')}</button>
    </div>`;
  if (!latest) {
    return html`${head}
      ${error ? html`<p class="error" role="alert">${errorText(error)}</p>`
              : html`<p class="muted">${t('common.loading')}</p>`}`;
  }
  const dead = Object.values(latest.connectors).reduce((sum, c) => sum + c.dead, 0);
  const accepted = perMinute(history, (s) => s.submissions.accepted, RATE_WINDOW);
  const refused = perMinute(history, (s) => s.submissions.refused, RATE_WINDOW);
  return html`
    ${head}
    ${error && html`<p class="error" role="alert">${errorText(error)}</p>`}
    <div class="cards">
      <${Card} id="card-ready" title=${t('dash.ready')}
               tone=${ready && ready.ready ? 'good' : 'bad'}
               value=${ready && ready.ready ? t('dash.ready.yes') : t('dash.ready.no')}
               detail=${ready && !ready.ready ? ready.reason : ''} />
      <${Card} id="card-ingest" title=${t('dash.ingest')} value=${rateText(accepted)}
               detail=${windowText(history)} />
      <${Card} id="card-refusals" title=${t('dash.refusals')} value=${rateText(refused)}
               detail=${windowText(history)} />
      <${Card} id="card-dead" title=${t('dash.dead')} value=${formatNumber(dead)}
               tone=${dead > 0 ? 'bad' : 'good'}>
        ${dead > 0
          ? html`<a href=${href('/deliveries', { status: 'dead' })} id="dead-link">${t('dash.dead.link')}</a>`
          : html`<p class="muted">${t('dash.dead.none')}</p>`}
      <//>
    </div>
    <section>
      <h2>${t('dash.connectors')}</h2>
      <${ConnectorTable} latest=${latest} history=${history} />
    </section>
    <section>
      <h2>${t('dash.charts')}</h2>
      <p class="muted">${t('dash.chartsNote', { seconds: SAMPLE_SECONDS })}</p>
      <${Charts} latest=${latest} history=${history} />
    </section>
    <section>
      <h2>${t('dash.rules')}</h2>
      <${RuleTable} latest=${latest} history=${history} />
    </section>`;
}
