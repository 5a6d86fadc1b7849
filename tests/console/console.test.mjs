// Browser tests of the admin console (issue 17): Debian's chromium, driven by puppeteer-core,
// against the real fhir-gateway binary on ports of its own choosing, with a FHIR peer that this
// test takes down and brings back. Each screen is written as a PNG to FHIRGW_SCREENSHOTS.
//
// Scenario: log in (a wrong token first), see the dead deliveries on the dashboard after the
// endpoint's outage, open one, retry it and watch it become delivered once the endpoint is back,
// retry the others in bulk after a confirmation that shows how many; create a connector with a
// bad URL and read the API's message, fix it and test it; create a client and copy its key;
// look up the example's record by its ext: id and see its deliveries (and nothing of the patient);
// filter the audit trail; switch to English, log out.
// Throughout: no Content-Security-Policy violation, no script error, the token never in the
// address nor in a cookie, and no health content of the example on any page.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const binary = process.env.FHIRGW_GATEWAY_BINARY;
const shots = process.env.FHIRGW_SCREENSHOTS || path.join(root, 'build', 'console-screenshots');
const TOKEN = 'console-test-admin-token-0123456789';
// A connector's secret: written through the console, never shown back on any page.
const SECRET = 'console-test-bearer-secret-9f3c2a71';
const WAIT_MS = 60000;

// Health content of the example the console must never show (names, INS, birth date, address,
// mailboxes, the report's words).
const example = JSON.parse(fs.readFileSync(path.join(root, 'examples', 'teleconsultation-full.json'),
  'utf8'));
const FORBIDDEN = [
  example.patient.family, ...example.patient.given, example.patient.ins.value,
  example.patient.birthDate, example.patient.address.line[0], example.patient.address.city,
  example.practitioner.family, example.treatingPhysician.family,
  example.practitioner.mssanteAddress, example.treatingPhysician.mssanteAddress,
  'grippal', 'paracetamol',
];

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, check, ms = WAIT_MS) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
    await sleep(200);
  }
}

/**
 * The FHIR peer: 503 while down, 422 while it rejects (a permanent failure: the delivery dies at
 * its first attempt), 200 with a transaction-response once up.
 */
function startPeer() {
  const peer = { up: false, reject: false, received: 0, credentials: new Set() };
  peer.server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      peer.received++;
      if (req.headers.authorization) peer.credentials.add(req.headers.authorization);
      if (!peer.up) {
        res.writeHead(503, { 'Content-Type': 'text/plain' });
        res.end('maintenance');
        return;
      }
      if (peer.reject) {
        res.writeHead(422, { 'Content-Type': 'application/fhir+json' });
        res.end(JSON.stringify({ resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'processing' }] }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'transaction-response', entry: [] }));
    });
  });
  return new Promise((resolve) => peer.server.listen(0, '127.0.0.1', () => {
    peer.port = peer.server.address().port;
    resolve(peer);
  }));
}

/** Starts the gateway and resolves with its ports once it logs gateway.started. */
function startGateway(configFile) {
  const child = spawn(binary, ['--config', configFile], {
    env: { PATH: process.env.PATH, FHIRGW_ADMIN_TOKEN: TOKEN },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    let pending = '';
    child.stderr.on('data', (chunk) => {
      log += chunk;
      pending += chunk;
      let newline;
      while ((newline = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        if (!line.includes('"gateway.started"')) continue;
        const event = JSON.parse(line);
        resolve({ child, apiPort: Number(event.apiPort), adminPort: Number(event.adminPort),
          log: () => log });
      }
    });
    child.on('exit', (code) => reject(new Error(`fhir-gateway exited with ${code}:\n${log}`)));
  });
}

async function call(port, method, route, { token = TOKEN, body } = {}) {
  const response = await fetch(`http://127.0.0.1:${port}${route}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let data = text;
  try {
    data = JSON.parse(text);
  } catch {
    // Not JSON.
  }
  return { status: response.status, data };
}

/** Every row of an admin listing: page after page by the Link header's address. */
async function allPages(first) {
  const entries = [];
  for (let next = first; next;) {
    const response = await fetch(`http://127.0.0.1:${gateway.adminPort}${next}`,
      { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    entries.push(...await response.json());
    const link = /<([^>]*)>\s*;\s*rel="next"/.exec(response.headers.get('Link') || '');
    next = link ? link[1] : '';
  }
  return entries;
}

/** The whole audit trail, newest first. */
const auditTrail = () => allPages('/admin/v1/audit?limit=1000');

/** No delivery of the connector is waiting or under way (each is delivered, dead or skipped). */
async function settled(connector) {
  for (const status of ['pending', 'failed', 'in-flight']) {
    const list = await call(gateway.adminPort, 'GET',
      `/admin/v1/deliveries?connector=${connector}&status=${status}&limit=1`);
    if (list.status !== 200 || list.data.length > 0) return false;
  }
  return true;
}

let dir;
let peer;
let gateway;
let browser;
let page;
let console_;  // http://127.0.0.1:<admin port>/console/
const problems = [];  // CSP violations, script errors, failed requests

before(async () => {
  assert.ok(binary && fs.existsSync(binary), 'FHIRGW_GATEWAY_BINARY names the gateway binary');
  fs.mkdirSync(shots, { recursive: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fhirgw-console-'));
  peer = await startPeer();
  // The key that seals connector secrets at rest (secrets.keyFile).
  const secretKeyFile = path.join(dir, 'secrets.key');
  fs.writeFileSync(secretKeyFile, crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
  const config = {
    secrets: { keyFile: secretKeyFile },
    server: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    storage: { dataDir: path.join(dir, 'data') },
    logging: { level: 'info' },
    connectors: [{
      id: 'cabinet-fhir',
      type: 'fhir-rest',
      routes: ['dmp', 'treating-physician', 'patient', 'encounter'],
      retry: { initialDelayMs: 100, maxDelayMs: 300, maxAttempts: 2 },
      circuitBreaker: { failureThreshold: 3, openMs: 300, maxOpenMs: 600 },
      options: {
        baseUrl: `http://127.0.0.1:${peer.port}/fhir`,
        allowInsecureHttpForTesting: true,
        allowedPrivateNetworks: ['127.0.0.1'],
      },
    }],
  };
  const configFile = path.join(dir, 'gateway.json');
  fs.writeFileSync(configFile, JSON.stringify(config));
  gateway = await startGateway(configFile);
  console_ = `http://127.0.0.1:${gateway.adminPort}/console/`;

  const args = ['--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check',
    '--lang=fr-FR'];
  // Root has no user namespace for chromium's own process sandbox; TLS checks are untouched.
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox');
  browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args,
    userDataDir: path.join(dir, 'chromium'),
    defaultViewport: { width: 1360, height: 900 },
  });
  page = await browser.newPage();
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window.__violations = window.__violations || []).push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    // Refused calls the scenario makes on purpose (a wrong token, a bad connector) are logged by
    // the browser as failed loads: the assertions read their messages on the page instead.
    if (m.type() === 'error' && !/server responded with a status of (401|422)/.test(m.text())) {
      problems.push('console error: ' + m.text());
    }
  });
});

after(async () => {
  if (browser) await browser.close();
  if (gateway) {
    gateway.child.kill('SIGTERM');
    await new Promise((resolve) => gateway.child.once('exit', resolve));
  }
  if (peer) peer.server.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function shoot(name) {
  await page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });
}

/** Another screen of the console: the page stays, only its fragment changes. */
async function go(fragment) {
  await page.evaluate((f) => { window.location.hash = f; }, fragment);
}

/** Replaces a textarea's text as typing would (Preact listens to input events). */
async function setEditor(selector, value) {
  await page.$eval(selector, (e, json) => {
    e.value = json;
    e.dispatchEvent(new Event('input', { bubbles: true }));
  }, JSON.stringify(value, null, 2));
}

async function text(selector) {
  return page.$eval(selector, (e) => e.textContent.replace(/\s+/g, ' ').trim());
}

/** The page shows no health content, and nothing broke the policy. */
async function checkPage(where) {
  const body = await page.evaluate(() => document.body.innerText);
  for (const word of FORBIDDEN) {
    assert.ok(!body.includes(word), `${where}: the page shows "${word}"`);
  }
  assert.ok(!body.includes(SECRET), `${where}: the page shows the connector's secret`);
  const violations = await page.evaluate(() => window.__violations || []);
  assert.deepEqual(violations, [], `${where}: Content-Security-Policy violations`);
  assert.deepEqual(problems, [], `${where}: script errors`);
  assert.ok(!page.url().includes(TOKEN), `${where}: the token is in the address`);
}

let editor;  // the API client that posted the example
let editorKey;  // its key
let accepted = 0;  // teleconsultations accepted (the example and its copies)
let consoleKey;  // the key of the client the console creates
let recordId;  // the example's record

test('an outage leaves dead deliveries', async () => {
  const created = await call(gateway.adminPort, 'POST', '/admin/v1/clients',
    { body: { name: 'console test editor', role: 'editor' } });
  assert.equal(created.status, 201, JSON.stringify(created.data));
  const posted = await call(gateway.apiPort, 'POST', '/api/v1/teleconsultations', {
    token: created.data.key,
    body: fs.readFileSync(path.join(root, 'examples', 'teleconsultation-full.json'), 'utf8'),
  });
  assert.equal(posted.status, 201, JSON.stringify(posted.data));
  accepted++;
  editor = created.data.id;
  editorKey = created.data.key;
  recordId = posted.data.id;
  await until('every delivery to be dead', async () => {
    const list = await call(gateway.adminPort, 'GET', '/admin/v1/deliveries?connector=cabinet-fhir');
    const states = list.data.map((d) => d.status);
    return states.length > 0 && states.every((s) => s === 'dead');
  });
  assert.ok(peer.received > 0, 'the gateway tried the peer');
});

test('the console is served under its policy and asks for the token in French', async () => {
  const response = await page.goto(console_, { waitUntil: 'networkidle0' });
  assert.equal(response.status(), 200);
  const policy = response.headers()['content-security-policy'];
  assert.match(policy, /script-src 'self'/);
  assert.match(policy, /require-trusted-types-for 'script'/);
  assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval/);
  await page.waitForSelector('#token');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
  assert.equal(await text('#login button[type=submit]'), 'Se connecter');

  await page.type('#token', 'not-the-admin-token-at-all');
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#login .error');
  assert.equal(await text('#login .error'), 'Jeton refusé par la passerelle.');
  await shoot('01-login-refused');
  await checkPage('login');
});

test('logging in shows the dead deliveries on the dashboard', async () => {
  await page.$eval('#token', (e) => { e.value = ''; });
  await page.type('#token', TOKEN);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#card-dead');
  const dead = await until('the dashboard to count the dead deliveries', async () => {
    const value = await text('#card-dead .value');
    return Number(value) > 0 ? Number(value) : null;
  });
  assert.ok(dead >= 1);
  assert.equal(await text('tr[data-connector="cabinet-fhir"] th'), 'cabinet-fhir');
  // The credential stays in the tab: sessionStorage, no cookie, not in the address.
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fhirgw.console.token')), TOKEN);
  assert.deepEqual(await page.cookies(), []);
  await shoot('02-dashboard-dead');
  await checkPage('dashboard');
});

test('a dead delivery is retried and becomes delivered once the endpoint is back', async () => {
  await page.click('#dead-link');
  await page.waitForSelector('#deliveries tbody tr');
  assert.match(page.url(), /#\/deliveries\?status=dead$/);
  const rows = await page.$$eval('#deliveries tbody tr', (trs) => trs.map((tr) => tr.dataset.delivery));
  assert.ok(rows.length >= 1);
  await shoot('03-deliveries-dead');
  await checkPage('dead deliveries');

  await page.click(`tr[data-delivery="${rows[0]}"] td:nth-child(2) a`);
  await page.waitForSelector('#delivery [data-field=status] .badge');
  assert.equal(await page.$eval('#delivery [data-field=status] .badge', (e) => e.dataset.status), 'dead');
  assert.ok(await page.$('#attempts tbody tr'), 'the attempts are listed');
  await shoot('04-delivery-dead');
  await checkPage('dead delivery');

  peer.up = true;
  await page.click('#retry');
  await page.waitForFunction(() => {
    const badge = document.querySelector('#delivery [data-field=status] .badge');
    return badge && badge.dataset.status === 'delivered';
  }, { timeout: WAIT_MS });
  await shoot('05-delivery-delivered');
  await checkPage('delivered delivery');
});

test('the bulk retry\'s confirmation counts every dead delivery of the filter, beyond a page',
  async () => {
    // The peer now rejects what it gets (422, permanent): each delivery dies at its first
    // attempt, more of them than the API's largest page (1000) holds.
    peer.reject = true;
    const perRecord = (await call(gateway.adminPort, 'GET', '/admin/v1/records/' + recordId))
      .data.deliveries.length;
    const records = Math.ceil(1000 / perRecord) + 1;
    const sample = fs.readFileSync(path.join(root, 'examples', 'teleconsultation-full.json'),
      'utf8');
    for (let i = 0; i < records; i += 8) {
      await Promise.all(Array.from({ length: Math.min(8, records - i) }, async (_, j) => {
        const body = sample.replaceAll(example.externalId, `LGC-BULK-${i + j}`);
        const posted = await call(gateway.apiPort, 'POST', '/api/v1/teleconsultations',
          { token: editorKey, body });
        assert.equal(posted.status, 201, JSON.stringify(posted.data));
        accepted++;
      }));
    }
    await until('every delivery to the rejecting peer to be dead', () => settled('cabinet-fhir'),
      240000);
    const dead = await allPages('/admin/v1/deliveries?status=dead&connector=cabinet-fhir&limit=1000');
    assert.ok(dead.length > 1000, String(dead.length));
    peer.reject = false;

    await go('#/deliveries?status=dead&connector=cabinet-fhir');
    await page.waitForSelector('#deliveries-next');  // the list shows a page (200) of them
    assert.equal(await page.$$eval('#deliveries tbody tr', (trs) => trs.length), 200);
    await page.click('#bulk-retry');
    await page.waitForSelector('#confirm[open] #bulk-count');
    // The whole filtered set, counted by the gateway (the bulk retry's dry run), not a page.
    assert.equal(await page.$eval('#bulk-count', (e) => Number(e.dataset.count)), dead.length);
    assert.match(await text('#bulk-count'), new RegExp(`^Relancer ${dead.length} livraisons mortes`));
    await shoot('06-bulk-retry-confirm');
    await checkPage('bulk retry confirmation');
    // Counting changed nothing.
    const count = await call(gateway.adminPort, 'POST',
      '/admin/v1/deliveries/retry?connector=cabinet-fhir&dryRun=true');
    assert.deepEqual(count.data, { wouldRetry: dead.length });

    await page.click('#confirm-ok');
    await page.waitForSelector('#notice');
    assert.match(await text('#notice'), new RegExp(`^${dead.length} livraisons relancées`));
    await until('every delivery to be delivered', async () => await settled('cabinet-fhir') &&
      (await call(gateway.adminPort, 'GET',
        '/admin/v1/deliveries?connector=cabinet-fhir&status=dead&limit=1')).data.length === 0,
    240000);
    await checkPage('bulk retry');
  });

test('a record looked up by its ext: id shows its deliveries and no health content', async () => {
  const record = (await call(gateway.adminPort, 'GET', '/admin/v1/records/' + recordId)).data;
  assert.ok(record.deliveries.length >= 1, JSON.stringify(record));
  await go('#/records');
  await page.waitForSelector('#record-lookup input[name=id]');
  await page.type('#record-lookup input[name=id]', 'ext:' + example.externalId);
  await page.type('#record-lookup input[name=client]', editor);
  await page.click('#record-lookup button[type=submit]');
  await page.waitForSelector('#record-deliveries tbody tr');
  assert.equal(await text('#record [data-field=id]'), recordId);
  assert.equal(await text('#record [data-field=externalId]'), example.externalId);
  assert.equal(await text('#record [data-field=client]'), editor);
  const shown = await page.$$eval('#record-deliveries tbody tr', (trs) =>
    trs.map((tr) => [tr.dataset.delivery, tr.querySelector('.badge').dataset.status]));
  assert.deepEqual(shown, record.deliveries.map((d) => [d.id, d.status]));
  assert.ok(shown.every(([, status]) => status === 'delivered'), JSON.stringify(shown));
  // Delivered after a retry: no error class any more (the failed attempts stay on their pages).
  const classes = await page.$$eval('#record-deliveries tbody tr td:nth-child(8)',
    (tds) => tds.map((td) => td.textContent));
  assert.ok(classes.every((c) => c === ''), classes.join(', '));
  const documents = await page.$$eval('#record-documents tbody tr', (trs) =>
    trs.map((tr) => tr.dataset.document));
  assert.deepEqual(documents, record.documents.map((d) => d.id));
  const body = await page.evaluate(() => document.body.innerText);
  assert.ok(!body.includes(example.patient.ins.value), 'the INS is shown');
  assert.ok(!body.includes(example.patient.family), 'the patient\'s name is shown');
  await shoot('14-record');
  await checkPage('record');

  // Its deliveries in the list, filtered by the gateway (not in the browser), newest first.
  await page.click('#record-deliveries-list');
  await page.waitForSelector('#deliveries tbody tr');
  assert.match(page.url(), new RegExp('#/deliveries\\?record=' + recordId + '$'));
  const listed = await page.$$eval('#deliveries tbody tr', (trs) =>
    trs.map((tr) => tr.dataset.delivery));
  assert.deepEqual([...listed].sort(), record.deliveries.map((d) => d.id).sort());
  const records = await page.$$eval('#deliveries tbody tr td:nth-child(3)',
    (tds) => tds.map((td) => td.textContent));
  assert.ok(records.every((r) => r === recordId), records.join('\n'));
  await checkPage('deliveries of a record');

  // A record id in the list opens the record.
  await page.click('#deliveries tbody tr td:nth-child(3) a');
  await page.waitForSelector('#record [data-field=id]');
  assert.equal(await text('#record [data-field=id]'), recordId);
  await checkPage('record from the list');
});

test('a connector with a bad URL is refused with the API\'s message, then fixed and tested',
  async () => {
    await go('#/connectors');
    await page.waitForSelector('#new-connector textarea');
    const instance = {
      id: 'peer-fhir', type: 'fhir-rest', routes: ['encounter'],
      options: { baseUrl: `http://127.0.0.1:${peer.port}/fhir` },
    };
    await setEditor('#new-connector textarea', instance);
    await page.click('#new-connector button[type=submit]');
    await page.waitForSelector('#new-connector .error .issues li');
    const issues = await page.$$eval('#new-connector .error .issues li',
      (lis) => lis.map((li) => li.textContent));
    assert.ok(issues.some((i) => i.includes('options.baseUrl')), issues.join('\n'));
    await shoot('08-connector-refused');
    await checkPage('connector refused');

    instance.options.allowInsecureHttpForTesting = true;
    instance.options.allowedPrivateNetworks = ['127.0.0.1'];
    await setEditor('#new-connector textarea', instance);
    await page.click('#new-connector button[type=submit]');
    await page.waitForSelector('#connector');
    assert.match(page.url(), /#\/connectors\/peer-fhir/);
    await page.click('#test-connector');
    await page.waitForSelector('#test-result');
    assert.match(await text('#test-result'), /^Connexion réussie/);
    await shoot('09-connector-tested');
    await checkPage('connector tested');
  });

test('a connector is disabled and enabled again, on the page and through the API', async () => {
  const state = async () => (await call(gateway.adminPort, 'GET', '/admin/v1/connectors/peer-fhir')).data;
  assert.equal((await state()).state, 'running');
  assert.equal(await text('#toggle-connector'), 'Désactiver');
  await page.click('#toggle-connector');
  await page.waitForFunction(() => {
    const notice = document.querySelector('#notice');
    return notice && notice.textContent === 'Connecteur désactivé.';
  }, { timeout: WAIT_MS });
  await page.waitForFunction(() =>
    document.querySelector('#connector [data-field=state]').textContent === 'désactivé',
  { timeout: WAIT_MS });
  assert.equal(await text('#toggle-connector'), 'Activer');
  const off = await state();
  assert.equal(off.enabled, false);
  assert.equal(off.state, 'disabled');
  await shoot('15-connector-disabled');
  await checkPage('connector disabled');

  await page.click('#toggle-connector');
  await page.waitForFunction(() =>
    document.querySelector('#connector [data-field=state]').textContent === 'en service',
  { timeout: WAIT_MS });
  assert.equal(await text('#notice'), 'Connecteur activé.');
  assert.equal(await text('#toggle-connector'), 'Désactiver');
  const on = await state();
  assert.equal(on.enabled, true);
  assert.equal(on.state, 'running');
  await checkPage('connector enabled');
});

test('a connector\'s secret is written and never shown back', async () => {
  const before = (await call(gateway.adminPort, 'GET', '/admin/v1/connectors/peer-fhir')).data;
  assert.deepEqual(before.secrets || [], []);
  const instance = JSON.parse(await page.$eval('#edit-connector textarea', (e) => e.value));
  instance.options.bearerToken = SECRET;
  await setEditor('#edit-connector textarea', instance);
  await page.click('#edit-connector button[type=submit]');
  // Saved (the secret listed as set), or refused (the API's issues, shown by the test).
  await page.waitForFunction(() => document.querySelector('#edit-connector .error') ||
    document.querySelector('#connector [data-field=secrets]').textContent === 'bearerToken',
  { timeout: WAIT_MS });
  assert.equal(await page.$('#edit-connector .error'), null,
    await page.evaluate(() => document.querySelector('#edit-connector').innerText));
  assert.equal(await text('#notice'), 'Connecteur enregistré.');
  // The editor is read back from the gateway, which never answers a secret's value.
  const shown = await page.$eval('#edit-connector textarea', (e) => e.value);
  assert.ok(!shown.includes(SECRET), shown);
  assert.equal(JSON.parse(shown).options.bearerToken, undefined);
  await shoot('16-connector-secret-set');
  await checkPage('connector secret set');
  const after = await call(gateway.adminPort, 'GET', '/admin/v1/connectors/peer-fhir');
  assert.deepEqual(after.data.secrets, ['bearerToken']);
  assert.ok(!JSON.stringify(after.data).includes(SECRET), 'the API shows the secret');
  // The connector has it: its next delivery (an encounter) presents it to the peer.
  const sample = fs.readFileSync(path.join(root, 'examples', 'teleconsultation-full.json'), 'utf8');
  const posted = await call(gateway.apiPort, 'POST', '/api/v1/teleconsultations',
    { token: editorKey, body: sample.replaceAll(example.externalId, 'LGC-SECRET-1') });
  assert.equal(posted.status, 201, JSON.stringify(posted.data));
  accepted++;
  await until('the peer to get the secret as a bearer token',
    () => peer.credentials.has('Bearer ' + SECRET));
  // Saving the editor again (the secret left out) keeps it.
  await page.click('#edit-connector button[type=submit]');
  await page.waitForSelector('#notice');
  const kept = (await call(gateway.adminPort, 'GET', '/admin/v1/connectors/peer-fhir')).data;
  assert.deepEqual(kept.secrets, ['bearerToken']);
  assert.ok(kept.version > after.data.version, `${kept.version} after ${after.data.version}`);
  await checkPage('connector saved again');
});

test('a connector is deleted after a confirmation', async () => {
  await page.click('#delete-connector');
  await page.waitForSelector('#confirm[open]');
  assert.match(await text('#confirm p'), /^Supprimer le connecteur peer-fhir \?/);
  await shoot('17-connector-delete-confirm');
  await checkPage('connector delete confirmation');
  // Cancelled: nothing happens.
  await page.click('#confirm-cancel');
  await page.waitForSelector('#confirm:not([open])');
  assert.equal((await call(gateway.adminPort, 'GET', '/admin/v1/connectors/peer-fhir')).status, 200);

  await page.click('#delete-connector');
  await page.waitForSelector('#confirm[open]');
  await page.click('#confirm-ok');
  await page.waitForFunction(() => window.location.hash === '#/connectors', { timeout: WAIT_MS });
  await page.waitForSelector('#connector-list tbody tr');
  assert.equal(await page.$('tr[data-connector="peer-fhir"]'), null);
  assert.ok(await page.$('tr[data-connector="cabinet-fhir"]'));
  assert.equal((await call(gateway.adminPort, 'GET', '/admin/v1/connectors/peer-fhir')).status, 404);
  const deleted = (await call(gateway.adminPort, 'GET',
    '/admin/v1/audit?action=' + encodeURIComponent('DELETE /admin/v1/connectors/{id}'))).data;
  assert.deepEqual(deleted.map((e) => [e.target, e.outcome]), [['peer-fhir', '204']]);
  await checkPage('connector deleted');
});

test('a client is created and its key, shown once, is copied', async () => {
  await browser.defaultBrowserContext().overridePermissions(
    `http://127.0.0.1:${gateway.adminPort}`, ['clipboard-read', 'clipboard-write',
      'clipboard-sanitized-write']);
  await go('#/clients');
  await page.waitForSelector('#new-client input[name=name]');
  await page.type('#new-client input[name=name]', 'Logiciel de test');
  await page.click('#new-client button[type=submit]');
  await page.waitForSelector('#created[open] #new-key');
  const key = await page.$eval('#new-key', (e) => e.value);
  consoleKey = key;
  await page.click('#copy-key');
  await page.waitForSelector('#copy-status');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
  await shoot('10-client-created');
  // The copied key works on the API listener.
  const rules = await call(gateway.apiPort, 'GET', '/api/v1/rules', { token: key });
  assert.equal(rules.status, 200);
  await page.click('#created-cancel');
  await page.waitForSelector('#clients tbody tr');
  assert.ok(await page.$$eval('#clients tbody th', (ths) =>
    ths.some((th) => th.textContent === 'Logiciel de test')));
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(key),
    'the key is not shown again');
  await checkPage('clients');
});

test('an API key is revoked after a confirmation and stops working', async () => {
  const clients = (await call(gateway.adminPort, 'GET', '/admin/v1/clients')).data;
  const client = clients.find((c) => c.name === 'Logiciel de test');
  assert.ok(client, JSON.stringify(clients));
  const keys = (await call(gateway.adminPort, 'GET', `/admin/v1/clients/${client.id}/keys`)).data;
  assert.equal(keys.length, 1);
  const keyId = keys[0].keyId;
  assert.equal((await call(gateway.apiPort, 'GET', '/api/v1/rules', { token: consoleKey })).status,
    200);

  await page.click(`#clients tr[data-client="${client.id}"] th a`);
  await page.waitForSelector(`#keys tr[data-key="${keyId}"] [data-revoke]`);
  await page.click(`#keys tr[data-key="${keyId}"] [data-revoke]`);
  await page.waitForSelector('#confirm[open]');
  assert.match(await text('#confirm p'), new RegExp(`^Révoquer la clé ${keyId} \\?`));
  await shoot('18-key-revoke-confirm');
  await checkPage('key revocation confirmation');
  await page.click('#confirm-ok');
  await page.waitForFunction((id) => {
    const badge = document.querySelector(`#keys tr[data-key="${id}"] .badge`);
    return badge && badge.textContent === 'révoquée';
  }, { timeout: WAIT_MS }, keyId);
  assert.equal(await page.$(`#keys tr[data-key="${keyId}"] [data-revoke]`), null);
  await shoot('19-key-revoked');
  await checkPage('key revoked');
  // Through the API: listed as revoked, refused on the API listener.
  const after = (await call(gateway.adminPort, 'GET', `/admin/v1/clients/${client.id}/keys`)).data;
  assert.deepEqual(after.map((k) => [k.keyId, k.revoked]), [[keyId, true]]);
  assert.equal((await call(gateway.apiPort, 'GET', '/api/v1/rules', { token: consoleKey })).status,
    401);
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(consoleKey),
    'the key is shown');
});

test('the audit trail is filtered by action, newest first', async () => {
  await go('#/audit?action=' + encodeURIComponent('POST /admin/v1/clients'));
  await page.waitForSelector('#audit tbody tr');
  const actions = await page.$$eval('#audit tbody tr td:nth-child(4)',
    (tds) => tds.map((td) => td.textContent));
  assert.ok(actions.length >= 2, actions.join('\n'));  // the test's editor and the console's
  assert.ok(actions.every((a) => a === 'POST /admin/v1/clients'), actions.join('\n'));
  // The console's client, created last, comes first: the latest event heads the trail.
  const targets = await page.$$eval('#audit tbody tr td:nth-child(5)',
    (tds) => tds.map((td) => td.textContent));
  const clients = (await call(gateway.adminPort, 'GET', '/admin/v1/clients')).data;
  const made = clients.find((c) => c.name === 'Logiciel de test');
  assert.ok(made, JSON.stringify(clients));
  assert.equal(targets[0], made.id);
  assert.equal(targets[targets.length - 1], editor);
  await shoot('11-audit-filtered');
  await checkPage('audit');
});

test('the audit trail pages back in time by the Link header\'s cursor', async () => {
  // More entries of one action than a page of the console (200) holds.
  const action = 'GET /admin/v1/connectors';
  for (let i = 0; i < 210; i++) {
    assert.equal((await call(gateway.adminPort, 'GET', '/admin/v1/connectors')).status, 200);
  }
  const all = (await call(gateway.adminPort, 'GET',
    '/admin/v1/audit?limit=1000&action=' + encodeURIComponent(action))).data;
  assert.ok(all.length >= 210, String(all.length));
  const ids = (selector) => page.$$eval(selector, (trs) => trs.map((tr) => Number(tr.dataset.audit)));

  await go('#/audit?action=' + encodeURIComponent(action));
  await page.waitForFunction(() => document.querySelectorAll('#audit tbody tr').length === 200,
    { timeout: WAIT_MS });
  const first = await ids('#audit tbody tr');
  assert.deepEqual(first, all.slice(0, 200).map((e) => e.id), 'the latest 200, newest first');
  assert.equal(await page.$('#audit-first'), null, 'no first-page link on the first page');

  await page.click('#audit-next');
  await page.waitForSelector('#audit-first');
  await page.waitForFunction((n) => document.querySelectorAll('#audit tbody tr').length === n,
    { timeout: WAIT_MS }, all.length - 200);
  const second = await ids('#audit tbody tr');
  assert.deepEqual(second, all.slice(200).map((e) => e.id), 'the older ones, none twice');
  assert.match(page.url(), /[?&]cursor=\d+/);
  assert.equal(await page.$('#audit-next'), null, 'a page that is not full is the last one');
  await checkPage('audit, second page');

  await page.click('#audit-first');
  await page.waitForFunction(() => !document.querySelector('#audit-first'), { timeout: WAIT_MS });
  assert.doesNotMatch(page.url(), /cursor=/);
});

test('a practitioner\'s yearly activity is declared and read back', async () => {
  await go('#/activity');
  await page.waitForSelector('#activity-form input[name=rpps]');
  await page.type('#activity-form input[name=rpps]', example.practitioner.rpps);
  await page.$eval('#activity-form input[name=year]', (e) => { e.value = ''; });
  await page.type('#activity-form input[name=year]', '2026');
  await page.type('#activity-form input[name=totalActs]', '4200');
  await page.click('#declare');
  await page.waitForSelector('#activity [data-field=totalActs]');
  assert.equal(await text('#activity [data-field=totalActs]'), '4200');
  // Every teleconsultation of 2026 posted by this test was recorded for this practitioner (the
  // example and its copies).
  assert.equal(await text('#activity [data-field=recorded]'), String(accepted));
  await shoot('12-activity-declared');
  await checkPage('activity');
});

test('the console speaks English on demand and logging out forgets the token', async () => {
  await go('#/');
  await page.waitForSelector('#card-dead');
  await page.click('button[data-lang=en]');
  await page.waitForFunction(() => document.documentElement.lang === 'en');
  assert.equal(await text('a[data-nav="/deliveries"]'), 'Deliveries');
  assert.equal(await text('a[data-nav="/records"]'), 'Records');
  await page.click('#refresh');
  await until('the dashboard to show no dead delivery', async () =>
    (await text('#card-dead .value')) === '0');
  // By now /metrics has been sampled every 10 s for more than 20 s: uPlot draws the four charts
  // (on canvases) under the page's policy.
  await until('the charts to be drawn', async () =>
    (await page.$$eval('.chart canvas', (c) => c.length)) === 4);
  await shoot('07-dashboard-en');
  await checkPage('dashboard in English');

  await page.click('#logout');
  await page.waitForSelector('#token');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fhirgw.console.token')), null);
  assert.equal(await text('#login button[type=submit]'), 'Log in');
  await checkPage('logged out');
  // The console's files are not actions: the audit trail has the calls it made, not its files.
  const audit = await auditTrail();
  assert.ok(audit.some((e) => e.action === 'POST /admin/v1/deliveries/retry'));
  assert.ok(!audit.some((e) => e.action.includes('/console')), 'console files audited');
});
