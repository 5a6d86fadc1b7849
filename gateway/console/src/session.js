// The administrator's credential lives in this tab's sessionStorage only: gone when the tab
// closes, never a cookie (no request carries it by itself, so the Authorization header is also
// the anti-CSRF measure) and never in the URL.
const TOKEN_KEY = 'fhirgw.console.token';
const HISTORY_KEY = 'fhirgw.console.metrics';

function storage() {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function token() {
  const s = storage();
  return (s && s.getItem(TOKEN_KEY)) || '';
}

export function saveToken(secret) {
  const s = storage();
  if (s) s.setItem(TOKEN_KEY, secret);
}

/** Forgets the credential and what was read with it. */
export function forgetSession() {
  const s = storage();
  if (!s) return;
  s.removeItem(TOKEN_KEY);
  s.removeItem(HISTORY_KEY);
}

/** The metrics samples of the last hour (figures only), so that a reload keeps the charts. */
export function loadHistory() {
  const s = storage();
  try {
    const samples = JSON.parse((s && s.getItem(HISTORY_KEY)) || '[]');
    return Array.isArray(samples) ? samples : [];
  } catch {
    return [];
  }
}

export function saveHistory(samples) {
  const s = storage();
  try {
    if (s) s.setItem(HISTORY_KEY, JSON.stringify(samples));
  } catch {
    // Storage full: the charts start again from the next sample.
  }
}
