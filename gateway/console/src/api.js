// Calls to the documented admin API of this origin, with the session's admin token as a header.
import { token } from './session.js';

let unauthorized = () => {};

/** Called when the gateway refuses the session's token (401): the console logs out. */
export function whenUnauthorized(callback) {
  unauthorized = callback;
}

/** A refused call: the HTTP status (0 when the gateway could not be reached) and its issues. */
export class ApiError extends Error {
  constructor(status, message, issues) {
    super(message);
    this.status = status;
    this.issues = issues || [];
  }
}

function outcomeIssues(body) {
  if (body && body.resourceType === 'OperationOutcome' && Array.isArray(body.issue)) {
    return body.issue.map((i) => ({
      code: String(i.code || ''),
      text: String(i.diagnostics || i.code || ''),
      at: Array.isArray(i.expression) ? i.expression.join(', ') : '',
    }));
  }
  return [];
}

/**
 * One call. query: parameters (empty ones left out); body: a JSON value; credential: another
 * secret than the session's (the login form checks one before keeping it); headers: more headers
 * (If-Match).
 */
export async function request(method, path, { query, body, credential, headers: extra } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json, application/fhir+json, text/plain', ...extra };
  const secret = credential === undefined ? token() : credential;
  if (secret) headers.Authorization = 'Bearer ' + secret;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
      redirect: 'error',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw new ApiError(0, '', []);
  }
  const type = response.headers.get('Content-Type') || '';
  const data = type.includes('json')
    ? await response.json().catch(() => null)
    : await response.text().catch(() => '');
  if (!response.ok) {
    if (response.status === 401 && credential === undefined) unauthorized();
    const issues = outcomeIssues(data);
    throw new ApiError(response.status, issues.map((i) => i.text).join(' · '), issues);
  }
  return { status: response.status, data, headers: response.headers };
}

/** The `cursor` of a Link header's rel="next" address (RFC 8288), or '' on the last page. */
export function nextCursor(link) {
  const match = /<([^>]*)>\s*;\s*rel="next"/.exec(link || '');
  if (!match) return '';
  return new URL(match[1], 'http://gateway.invalid').searchParams.get('cursor') || '';
}

/** GET /health/ready (no credential): 'ready', or the reason it is not. */
export async function readiness() {
  try {
    await request('GET', '/health/ready', { credential: '' });
    return { ready: true, reason: '' };
  } catch (e) {
    return { ready: false, reason: e.message };
  }
}
