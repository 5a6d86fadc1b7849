// The screen is named by the address's fragment, #/path?name=value: filters only, never a
// credential (the token stays in sessionStorage).
import { useEffect, useState } from 'preact/hooks';

export function readRoute() {
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path: path || '/', params: Object.fromEntries(new URLSearchParams(query)) };
}

/** The fragment of path with the non-empty params. */
export function href(path, params = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  const text = query.toString();
  return '#' + path + (text ? '?' + text : '');
}

export function navigate(path, params = {}) {
  window.location.hash = href(path, params);
}

export function useRoute() {
  const [route, setRoute] = useState(readRoute);
  useEffect(() => {
    const changed = () => setRoute(readRoute());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}
