// The console's shell: login, navigation, language, the hash router and the metrics sampler.
import { useCallback, useEffect, useState } from 'preact/hooks';
import { readiness, request, whenUnauthorized } from './api.js';
import { ActivityScreen } from './activity.js';
import { AuditScreen } from './audit.js';
import { ClientScreen, ClientsScreen } from './clients.js';
import { ConnectorScreen, ConnectorsScreen } from './connectors.js';
import { Dashboard } from './dashboard.js';
import { DeliveriesScreen, DeliveryScreen } from './deliveries.js';
import { html } from './html.js';
import { currentLang, languages, setLang, t } from './i18n.js';
import { Login } from './login.js';
import { SAMPLE_SECONDS, parsePrometheus, remember, snapshot } from './metrics.js';
import { RecordsScreen } from './records.js';
import { navigate, useRoute } from './router.js';
import { forgetSession, loadHistory, token } from './session.js';

/** Reads /metrics and readiness every SAMPLE_SECONDS while logged in. */
function useMetrics(active) {
  const [state, setState] = useState({ latest: null, history: loadHistory(), ready: null,
    error: null });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    if (!active) return undefined;
    let stopped = false;
    async function poll() {
      try {
        const [scrape, ready] = await Promise.all([request('GET', '/metrics'), readiness()]);
        if (stopped) return;
        const snap = snapshot(parsePrometheus(scrape.data), Date.now() / 1000);
        setState({ latest: snap, history: remember(snap), ready, error: null });
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error }));
      }
    }
    poll();
    const timer = window.setInterval(poll, SAMPLE_SECONDS * 1000);
    return () => {
      stopped = true;
      window.clearInterval(timer);
    };
  }, [active, nonce]);
  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { ...state, refresh };
}

function LanguageSwitch({ onChange }) {
  return html`
    <div class="lang" role="group" aria-label=${t('lang.label')}>
      ${languages.map((l) => html`
        <button type="button" key=${l} lang=${l} class=${l === currentLang() ? 'current' : ''}
                aria-pressed=${l === currentLang()} data-lang=${l}
                onClick=${() => onChange(l)}>${l.toUpperCase()}</button>`)}
    </div>`;
}

const SCREENS = [
  { path: '/', key: 'nav.dashboard' },
  { path: '/deliveries', key: 'nav.deliveries' },
  { path: '/records', key: 'nav.records' },
  { path: '/connectors', key: 'nav.connectors' },
  { path: '/clients', key: 'nav.clients' },
  { path: '/activity', key: 'nav.activity' },
  { path: '/audit', key: 'nav.audit' },
];

function Navigation({ path }) {
  const section = '/' + (path.split('/')[1] || '');
  return html`
    <nav aria-label=${t('nav.label')}>
      <ul>
        ${SCREENS.map((s) => html`
          <li key=${s.path}>
            <a href=${'#' + s.path} aria-current=${s.path === section ? 'page' : undefined}
               data-nav=${s.path}>${t(s.key)}</a>
          </li>`)}
      </ul>
    </nav>`;
}

export function App() {
  const [lang, setLangState] = useState(currentLang());
  const [loggedIn, setLoggedIn] = useState(() => Boolean(token()));
  const [expired, setExpired] = useState(false);
  const route = useRoute();
  const metrics = useMetrics(loggedIn);

  useEffect(() => whenUnauthorized(() => {
    forgetSession();
    setExpired(true);
    setLoggedIn(false);
  }), []);
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t('app.title');
  }, [lang]);

  const changeLang = (next) => {
    setLang(next);
    setLangState(next);
  };
  const logout = () => {
    forgetSession();
    setExpired(false);
    setLoggedIn(false);
    navigate('/');
  };

  const header = html`
    <header class="top">
      <a class="brand" href="#/">${t('app.brand')}</a>
      ${loggedIn && html`<${Navigation} path=${route.path} />`}
      <span class="spacer"></span>
      <${LanguageSwitch} onChange=${changeLang} />
      ${loggedIn && html`
        <button type="button" class="quiet" id="logout" onClick=${logout}>${t('nav.logout')}</button>`}
    </header>`;

  if (!loggedIn) {
    return html`${header}<${Login} expired=${expired} onLogin=${() => {
      setExpired(false);
      setLoggedIn(true);
    }} />`;
  }

  let screen;
  const segments = route.path.split('/').filter(Boolean);
  if (segments.length === 0) {
    screen = html`<${Dashboard} metrics=${metrics} />`;
  } else if (segments[0] === 'deliveries' && segments.length === 1) {
    screen = html`<${DeliveriesScreen} params=${route.params} metrics=${metrics} />`;
  } else if (segments[0] === 'deliveries' && segments.length === 2) {
    screen = html`<${DeliveryScreen} id=${decodeURIComponent(segments[1])} />`;
  } else if (segments[0] === 'records' && segments.length === 1) {
    screen = html`<${RecordsScreen} params=${route.params} />`;
  } else if (segments[0] === 'connectors' && segments.length === 1) {
    screen = html`<${ConnectorsScreen} />`;
  } else if (segments[0] === 'connectors' && segments.length === 2) {
    screen = html`<${ConnectorScreen} id=${decodeURIComponent(segments[1])} params=${route.params} />`;
  } else if (segments[0] === 'clients' && segments.length === 1) {
    screen = html`<${ClientsScreen} />`;
  } else if (segments[0] === 'clients' && segments.length === 2) {
    screen = html`<${ClientScreen} id=${decodeURIComponent(segments[1])} />`;
  } else if (segments[0] === 'activity' && segments.length === 1) {
    screen = html`<${ActivityScreen} />`;
  } else if (segments[0] === 'audit' && segments.length === 1) {
    screen = html`<${AuditScreen} params=${route.params} />`;
  } else {
    screen = html`<p class="notice">${t('common.notFound')}</p>`;
  }
  return html`${header}<main class="screen" key=${lang}>${screen}</main>`;
}
