// Unit tests of the console's own logic that needs no browser (Node's test runner): the
// Prometheus text parser and the dashboard's figures, the UTC instants of the filters, and the
// two dictionaries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextCursor } from '../../gateway/console/src/api.js';
import { dictionaries, setLang, t } from '../../gateway/console/src/i18n.js';
import {
  increase, parsePrometheus, perMinute, series, snapshot,
} from '../../gateway/console/src/metrics.js';
import { formatDuration, instantFromLocalInput } from '../../gateway/console/src/format.js';

const SCRAPE = `# HELP fhirgw_circuit_breaker_state Circuit breaker of each connector.
# TYPE fhirgw_circuit_breaker_state gauge
fhirgw_circuit_breaker_state{connector="outbox"} 0
fhirgw_circuit_breaker_state{connector="dmp"} 2
fhirgw_deliveries{connector="dmp",state="dead"} 3
fhirgw_deliveries{connector="dmp",state="pending"} 4
fhirgw_deliveries{connector="",state="skipped"} 9
fhirgw_delivery_queue_depth{connector="dmp"} 4
fhirgw_delivery_queue_oldest_age_seconds{connector="dmp"} 125.5
fhirgw_delivery_attempts_total{connector="dmp",outcome="failed",error_class="transient"} 7
fhirgw_delivery_attempts_total{connector="dmp",outcome="failed",error_class="permanent"} 1
fhirgw_delivery_attempts_total{connector="dmp",outcome="delivered",error_class=""} 20
fhirgw_delivery_attempts_total{connector="outbox",outcome="delivered",error_class=""} 5
fhirgw_submissions_total{kind="teleconsultation",outcome="accepted"} 10
fhirgw_submissions_total{kind="document",outcome="accepted"} 2
fhirgw_submissions_total{kind="teleconsultation",outcome="refused"} 3
fhirgw_rule_hits_total{rule="TLC-CONSENT",severity="error"} 2
fhirgw_rule_hits_total{rule="TLC-ACTIVITY-CAP",severity="warning"} 5
fhirgw_http_requests_total{listener="admin",method="GET",route="/a \\"q\\" \\\\ b",status="200"} 1
fhirgw_http_request_duration_seconds_bucket{listener="api",route="/x",le="+Inf"} 4
`;

test('the parser reads labels with escapes and values such as +Inf', () => {
  const families = parsePrometheus(SCRAPE);
  const [request] = families.get('fhirgw_http_requests_total');
  assert.equal(request.labels.route, '/a "q" \\ b');
  assert.equal(request.value, 1);
  assert.equal(families.get('fhirgw_http_request_duration_seconds_bucket')[0].labels.le, '+Inf');
  assert.equal(families.get('fhirgw_circuit_breaker_state').length, 2);
});

test('a snapshot sums each connector, the submissions by outcome and the refusing rules', () => {
  const snap = snapshot(parsePrometheus(SCRAPE), 1000);
  assert.deepEqual(Object.keys(snap.connectors).sort(), ['dmp', 'outbox']);
  assert.deepEqual(snap.connectors.dmp, {
    circuit: 2, depth: 4, oldest: 125.5, delivered: 20, failed: 8,
    failedByClass: { transient: 7, permanent: 1 }, dead: 3,
  });
  assert.equal(snap.connectors.outbox.delivered, 5);
  assert.deepEqual(snap.submissions, { accepted: 12, refused: 3 });
  // Warnings do not refuse: only errors count.
  assert.deepEqual(snap.rules, { 'TLC-CONSENT': 2 });
});

test('rates are per minute over the window and survive a restart of the gateway', () => {
  const history = [
    { t: 0, v: 100 }, { t: 10, v: 110 }, { t: 20, v: 130 }, { t: 30, v: 5 },
  ];
  assert.equal(increase(130, 5), 5);
  assert.equal(perMinute(history.slice(0, 1), (s) => s.v, 300), null);
  assert.equal(perMinute(history.slice(0, 3), (s) => s.v, 300), 90);
  assert.equal(perMinute(history.slice(0, 3), (s) => s.v, 10), 120);
  const { times, values } = series(history, [(s) => s.v]);
  assert.deepEqual(times, [10, 20, 30]);
  assert.deepEqual(values[0], [60, 120, 30]);
});

test('a counter that appears after the first sample counts from zero', () => {
  // Before the first submission, /metrics has no fhirgw_submissions_total sample at all.
  const history = [{ t: 0, submissions: {} }, { t: 30, submissions: { accepted: 5 } }];
  assert.equal(perMinute(history, (s) => s.submissions.accepted, 300), 10);
  assert.equal(increase(undefined, 5), 5);
  assert.equal(increase(5, undefined), 0);
});

test('a pause in the samples is a gap in the chart, not a line', () => {
  const { values } = series([{ t: 0, v: 1 }, { t: 10, v: 2 }, { t: 500, v: 3 }], [(s) => s.v]);
  assert.deepEqual(values[0], [6, null]);
});

test('a local date of the filter becomes a UTC instant without milliseconds', () => {
  const instant = instantFromLocalInput('2026-11-20T08:30');
  assert.match(instant, /^2026-11-2\dT\d\d:30:00Z$/);
  assert.equal(new Date(instant).getTime(), new Date('2026-11-20T08:30').getTime());
  assert.equal(instantFromLocalInput(''), '');
});

test('French and English have the same messages with the same placeholders', () => {
  const { fr, en } = dictionaries;
  assert.deepEqual(Object.keys(en).sort(), Object.keys(fr).sort());
  const names = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(fr)) assert.deepEqual(names(en[key]), names(fr[key]), key);
});

test('messages choose their plural form and fill their placeholders', () => {
  setLang('fr');
  assert.equal(t('deliveries.count', { count: 1 }), '1 livraison');
  assert.equal(t('deliveries.count', { count: 3 }), '3 livraisons');
  assert.equal(formatDuration(125), '2 min 5 s');
  setLang('en');
  assert.equal(t('deliveries.count', { count: 0 }), '0 deliveries');
  assert.equal(t('error.status', { status: 409 }), 'Error 409');
  setLang('fr');
});

test('the next page\'s cursor is read from the Link header, percent-encoding undone', () => {
  assert.equal(nextCursor('</admin/v1/deliveries?limit=2&record=r%201&cursor=1795176000000_a%2Bb>; '
    + 'rel="next"'), '1795176000000_a+b');
  assert.equal(nextCursor(null), '');
  assert.equal(nextCursor('</admin/v1/deliveries?cursor=x>; rel="prev"'), '');
});
