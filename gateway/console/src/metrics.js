// The dashboard's figures: /metrics (Prometheus text format) read every SAMPLE_SECONDS into
// snapshots kept for an hour in this tab, and the rates between them.
import { loadHistory, saveHistory } from './session.js';

export const SAMPLE_SECONDS = 10;
const KEEP_SECONDS = 3600;

/** Parses the text format into a Map of metric name to [{ labels, value }]. */
export function parsePrometheus(text) {
  const families = new Map();
  for (const line of String(text).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    let i = 0;
    while (i < line.length && /[A-Za-z0-9_:]/.test(line[i])) i++;
    const name = line.slice(0, i);
    const labels = {};
    if (line[i] === '{') {
      i++;
      while (i < line.length && line[i] !== '}') {
        const eq = line.indexOf('=', i);
        if (eq < 0) break;
        const key = line.slice(i, eq).trim();
        i = eq + 2;  // past ="
        let value = '';
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) {
            value += line[i + 1] === 'n' ? '\n' : line[i + 1];
            i += 2;
          } else {
            value += line[i++];
          }
        }
        i++;  // past the closing quote
        labels[key] = value;
        if (line[i] === ',') i++;
      }
      i++;  // past }
    }
    const value = Number(line.slice(i).trim().split(/\s+/)[0]);
    if (!name || Number.isNaN(value)) continue;
    if (!families.has(name)) families.set(name, []);
    families.get(name).push({ labels, value });
  }
  return families;
}

function samples(families, name) {
  return families.get(name) || [];
}

function connectorEntry(connectors, id) {
  if (!Object.hasOwn(connectors, id)) {
    connectors[id] = {
      circuit: null, depth: 0, oldest: 0, delivered: 0, failed: 0, failedByClass: {}, dead: 0,
    };
  }
  return connectors[id];
}

/** The figures of one scrape at time t (seconds). */
export function snapshot(families, t) {
  const connectors = {};
  for (const s of samples(families, 'fhirgw_circuit_breaker_state')) {
    connectorEntry(connectors, s.labels.connector).circuit = s.value;
  }
  for (const s of samples(families, 'fhirgw_delivery_queue_depth')) {
    connectorEntry(connectors, s.labels.connector).depth = s.value;
  }
  for (const s of samples(families, 'fhirgw_delivery_queue_oldest_age_seconds')) {
    connectorEntry(connectors, s.labels.connector).oldest = s.value;
  }
  for (const s of samples(families, 'fhirgw_deliveries')) {
    if (!s.labels.connector) continue;  // skipped before routing
    const c = connectorEntry(connectors, s.labels.connector);
    if (s.labels.state === 'dead') c.dead = s.value;
  }
  for (const s of samples(families, 'fhirgw_delivery_attempts_total')) {
    const c = connectorEntry(connectors, s.labels.connector);
    if (s.labels.outcome === 'delivered') {
      c.delivered += s.value;
    } else {
      c.failed += s.value;
      const errorClass = s.labels.error_class || 'unknown';
      c.failedByClass[errorClass] = (c.failedByClass[errorClass] || 0) + s.value;
    }
  }
  const submissions = {};
  for (const s of samples(families, 'fhirgw_submissions_total')) {
    submissions[s.labels.outcome] = (submissions[s.labels.outcome] || 0) + s.value;
  }
  const rules = {};
  for (const s of samples(families, 'fhirgw_rule_hits_total')) {
    if (s.labels.severity !== 'error') continue;
    rules[s.labels.rule] = (rules[s.labels.rule] || 0) + s.value;
  }
  return { t, connectors, submissions, rules };
}

/** Adds a snapshot to the tab's history, drops what is older than an hour, and returns it. */
export function remember(snap) {
  const history = loadHistory().filter((s) => s && typeof s.t === 'number' &&
    s.t > snap.t - KEEP_SECONDS && s.t < snap.t);
  history.push(snap);
  saveHistory(history);
  return history;
}

/**
 * How much a counter grew from a to b: a counter not exported yet (no sample before its first
 * increment) counts as 0, and a restart of the gateway starts it again from 0.
 */
export function increase(a, b) {
  if (b === undefined || b === null) return 0;
  const from = a ?? 0;
  return b >= from ? b - from : b;
}

/**
 * The rate per minute of pick(snapshot) over the last windowSeconds of history, or null without
 * two samples in it.
 */
export function perMinute(history, pick, windowSeconds) {
  if (history.length < 2) return null;
  const last = history[history.length - 1];
  const first = history.find((s) => s.t >= last.t - windowSeconds) || history[0];
  if (first === last) return null;
  return (increase(pick(first), pick(last)) / (last.t - first.t)) * 60;
}

/**
 * Chart series: the times (seconds) and, for each pick, the rate per minute between consecutive
 * samples (or the gauge's value with gauge: true); null where samples are missing, so that a gap
 * while the console was closed is not drawn as a line.
 */
export function series(history, picks, { gauge = false } = {}) {
  const times = [];
  const values = picks.map(() => []);
  for (let i = gauge ? 0 : 1; i < history.length; i++) {
    const cur = history[i];
    const prev = history[i - 1];
    const gap = prev && cur.t - prev.t > SAMPLE_SECONDS * 3;
    times.push(cur.t);
    picks.forEach((pick, k) => {
      if (gauge) values[k].push(pick(cur) ?? null);
      else values[k].push(gap ? null : (increase(pick(prev), pick(cur)) / (cur.t - prev.t)) * 60);
    });
  }
  return { times, values };
}
