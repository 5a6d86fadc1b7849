'use strict';
// A strict local DMP repository for the dmp-xds connector's tests: it takes IHE XDS.b ITI-41
// Provide and Register requests the way ../shared/spec/dmp-xds.md §1 describes the DMP, checks
// them with implementations independent of the gateway's (xml-crypto for both signatures, its own
// MIME parser, Debian's xmllint for the schemas, Saxon for the ANS schematrons) and answers real
// SOAP 1.2 RegistryResponses. README.md lists the rules and their error codes.
//
//   node server.js --pki DIR --dir DIR [--port N] [--sign-cert PEM] [--shared DIR]
//                  [--schematron] [--schematron-cache DIR] [--signing-time-window SECONDS]
//
// --pki: ca.pem (trusted for client and signing certificates), server.pem/key.
// --dir: control.json (read at each request), journal.jsonl, request-N.bin/.headers.json.
// --sign-cert: the only certificate accepted for the VIHF and XAdES signatures (default
//   <pki>/sign.pem when it exists; without one, any certificate issued by the test CA).
// --signing-time-window: how far the XAdES SigningTime may be from now (default 300; 0: not
//   checked, for a retry signed long ago or a test clock).
// Prints "listening <port>" once ready and exits when its stdin closes.

const crypto = require('crypto');
const fs = require('fs');
const https = require('https');
const path = require('path');
const { checkRequest, configure, ITI41_ACTION } = require('./rules');

const SERVICE_PATH = '/si-dmp-server/v2/services/repository';
const MAX_BODY = 64 * 1024 * 1024;

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const pki = arg('--pki');
const dir = arg('--dir');
if (!pki || !dir) {
  console.error('usage: server.js --pki DIR --dir DIR [--port N] [--sign-cert PEM] [--shared DIR] [--schematron] [--schematron-cache DIR]');
  process.exit(2);
}
const repoRoot = path.resolve(__dirname, '../../..');
function defaultShared() {
  for (const candidate of [path.join(repoRoot, '../shared'), path.join(repoRoot, '../../shared')]) {
    if (fs.existsSync(path.join(candidate, 'reference'))) return candidate;
  }
  return path.join(repoRoot, '../shared');
}
const signCertFile = arg('--sign-cert', fs.existsSync(path.join(pki, 'sign.pem')) ? path.join(pki, 'sign.pem') : null);
const options = {
  shared: path.resolve(arg('--shared', defaultShared())),
  samlSchemas: path.join(path.dirname(require.resolve('@authenio/samlify-xmllint-wasm/package.json')), 'schemas'),
  trust: {
    ca: new crypto.X509Certificate(fs.readFileSync(path.join(pki, 'ca.pem'))),
    pinned: signCertFile ? new crypto.X509Certificate(fs.readFileSync(signCertFile)) : null,
    signingTimeWindowMs: Number(arg('--signing-time-window', '300')) * 1000,
  },
  schematron: process.argv.includes('--schematron')
    ? { script: path.join(repoRoot, 'tests/xds/schematron/run.sh'),
        cache: path.resolve(arg('--schematron-cache', path.join(dir, 'schematron-cache'))) }
    : null,
};
configure(options.shared);
fs.mkdirSync(dir, { recursive: true });

// --- control.json --------------------------------------------------------------------------------

// The control in force for this request. A control with "times": N applies to the next N
// requests after it was written (the count restarts whenever the file is written again: a new
// file, since setControl renames one into place, or another content).
let lastControlKey = null;
let controlUses = 0;
function currentControl() {
  let textValue = '{}';
  let key = 'none';
  try {
    const file = path.join(dir, 'control.json');
    const stat = fs.statSync(file);
    textValue = fs.readFileSync(file, 'utf8');
    key = `${stat.ino}:${stat.mtimeMs}:${textValue}`;
  } catch {
    textValue = '{}';
  }
  if (key !== lastControlKey) {
    lastControlKey = key;
    controlUses = 0;
  }
  let control;
  try {
    control = JSON.parse(textValue);
  } catch {
    return { invalid: true };
  }
  if (typeof control !== 'object' || control === null) return { invalid: true };
  if (typeof control.times === 'number') {
    if (controlUses >= control.times) return {};
    controlUses++;
  }
  return control;
}

// --- responses -----------------------------------------------------------------------------------

function esc(value) {
  return String(value).replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' }[c]));
}

function uuid() {
  return `urn:uuid:${crypto.randomUUID()}`;
}

function envelope(action, relatesTo, bodyXml) {
  return '<?xml version="1.0" encoding="UTF-8"?>' +
    '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">' +
    `<env:Header><wsa:Action env:mustUnderstand="true">${esc(action)}</wsa:Action>` +
    `<wsa:MessageID>${uuid()}</wsa:MessageID>` +
    (relatesTo ? `<wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo>` : '') +
    `</env:Header><env:Body>${bodyXml}</env:Body></env:Envelope>`;
}

function registryResponse(status, errors) {
  const list = errors.length === 0 ? '' :
    '<rs:RegistryErrorList>' + errors.map((e) =>
      `<rs:RegistryError errorCode="${esc(e.code)}" codeContext="${esc(e.context)}" location="dmp-peer" ` +
      'severity="urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"/>').join('') +
    '</rs:RegistryErrorList>';
  return '<rs:RegistryResponse xmlns:rs="urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0" ' +
    `status="urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:${esc(status)}">${list}</rs:RegistryResponse>`;
}

// A SOAP 1.2 fault: Code Sender|Receiver, an optional Subcode QName (wsse:, wsa: or peer:), and
// every error in the Detail.
function fault(code, subcode, reason, errors) {
  return '<env:Fault xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" ' +
    'xmlns:peer="urn:fhirgw:test:dmp-peer">' +
    `<env:Code><env:Value>env:${code}</env:Value>` +
    (subcode ? `<env:Subcode><env:Value>${esc(subcode)}</env:Value></env:Subcode>` : '') +
    `</env:Code><env:Reason><env:Text xml:lang="en">${esc(reason)}</env:Text></env:Reason>` +
    (errors.length > 0 ? '<env:Detail><peer:Errors>' + errors.map((e) =>
      `<peer:Error code="${esc(e.code)}" context="${esc(e.context)}"/>`).join('') + '</peer:Errors></env:Detail>' : '') +
    '</env:Fault>';
}

// Sends a SOAP envelope, MTOM-packaged as a repository answers an MTOM request (one root part),
// or as plain application/soap+xml when the control asks for it.
function sendSoap(res, status, action, xml, control) {
  const body = Buffer.from(xml, 'utf8');
  if (control.responseMtom === false) {
    res.writeHead(status, { 'Content-Type': `application/soap+xml; charset=UTF-8; action="${action}"` });
    res.end(body);
    return;
  }
  const boundary = `MIMEBoundary_${crypto.randomUUID().replace(/-/g, '')}`;
  const cid = `root.${crypto.randomUUID()}@dmp-peer`;
  const head = `--${boundary}\r\nContent-Type: application/xop+xml; charset=UTF-8; type="application/soap+xml"; action="${action}"\r\n` +
    `Content-Transfer-Encoding: binary\r\nContent-ID: <${cid}>\r\n\r\n`;
  res.writeHead(status, {
    'Content-Type': `multipart/related; boundary="${boundary}"; type="application/xop+xml"; ` +
      `start="<${cid}>"; start-info="application/soap+xml"; action="${action}"`,
  });
  res.end(Buffer.concat([Buffer.from(head), body, Buffer.from(`\r\n--${boundary}--\r\n`)]));
}

// --- the journal ---------------------------------------------------------------------------------

let requestCount = 0;
function journal(entry) {
  fs.appendFileSync(path.join(dir, 'journal.jsonl'), `${JSON.stringify(entry)}\n`);
}

function sha256(data) {
  return crypto.createHash('sha256').update(data).digest('hex');
}

async function handle(req, res, body, n) {
  const started = new Date().toISOString();
  fs.writeFileSync(path.join(dir, `request-${n}.bin`), body);
  fs.writeFileSync(path.join(dir, `request-${n}.headers.json`),
    JSON.stringify({ method: req.method, url: req.url, httpVersion: req.httpVersion, headers: req.headers }, null, 1));
  const entry = { n, time: started, method: req.method, path: req.url, bytes: body.length, bodySha256: sha256(body) };
  const pathname = req.url.split('?')[0];
  if (pathname !== SERVICE_PATH) {
    journal({ ...entry, response: 'http:404', accepted: false, errors: [] });
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    return res.end('not found\n');
  }
  if (req.method !== 'POST') {
    journal({ ...entry, response: 'http:405', accepted: false, errors: [] });
    res.writeHead(405, { 'Content-Type': 'text/plain', Allow: 'POST' });
    return res.end('method not allowed\n');
  }
  const control = currentControl();
  const work = path.join(dir, 'work', `request-${n}`);
  fs.mkdirSync(work, { recursive: true });
  const url = `https://${req.headers.host}${req.url}`;
  const { report, info } = await checkRequest({ contentType: req.headers['content-type'], body, url, options, work });
  const errors = report.errors;
  Object.assign(entry, {
    control: Object.keys(control).length > 0 ? control : undefined,
    messageId: info.messageId,
    submissionSetUniqueId: info.submissionSetUniqueId,
    documentUniqueIds: info.documentUniqueIds,
    patientIdSha256: info.patientId ? sha256(info.patientId) : null,
    errors,
  });
  if (control.delayMs > 0) await new Promise((r) => setTimeout(r, control.delayMs));

  const finish = (response, accepted) => journal({ ...entry, response, accepted });
  if (control.invalid) {
    finish('http:500', false);
    res.writeHead(500, { 'Content-Type': 'text/plain' });
    return res.end('dmp-peer: control.json is not a JSON object\n');
  }
  if (control.reset) {
    finish('reset', false);
    return req.socket.destroy();
  }
  if (control.http) {
    finish(`http:${control.http}`, false);
    const headers = { 'Content-Type': 'text/plain' };
    if (control.retryAfter !== undefined) headers['Retry-After'] = String(control.retryAfter);
    res.writeHead(control.http, headers);
    return res.end('dmp-peer: simulated HTTP failure\n');
  }
  const faultAction = 'http://www.w3.org/2005/08/addressing/soap/fault';
  if (control.soapFault) {
    const code = control.soapFault === 'Sender' ? 'Sender' : 'Receiver';
    finish(`fault:${code}`, false);
    return sendSoap(res, code === 'Sender' ? 400 : 500, faultAction,
      envelope(faultAction, info.messageId, fault(code, control.subcode || null, 'simulated fault (control.json)', [])), control);
  }
  const responseAction = `${ITI41_ACTION}Response`;
  if (control.status) {
    const forced = [{ code: control.errorCode || 'XDSRegistryError', context: 'forced by control.json' }];
    finish(control.status, false);
    return sendSoap(res, 200, responseAction, envelope(responseAction, info.messageId, registryResponse(control.status, forced)), control);
  }
  const faults = errors.filter((e) => e.code.includes(':'));
  if (faults.length > 0) {
    finish(`fault:Sender:${faults[0].code}`, false);
    return sendSoap(res, 400, faultAction,
      envelope(faultAction, info.messageId, fault('Sender', faults[0].code, faults[0].context, errors)), control);
  }
  if (errors.length > 0) {
    finish('Failure', false);
    return sendSoap(res, 200, responseAction, envelope(responseAction, info.messageId, registryResponse('Failure', errors)), control);
  }
  finish('Success', true);
  return sendSoap(res, 200, responseAction, envelope(responseAction, info.messageId, registryResponse('Success', [])), control);
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
    const n = ++requestCount;
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413, { 'Content-Type': 'text/plain' });
        res.end('too large\n');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size > MAX_BODY) return;
      handle(req, res, Buffer.concat(chunks), n).catch((err) => {
        console.error(err);
        journal({ n, time: new Date().toISOString(), response: 'http:500', accepted: false,
          errors: [{ code: 'peer:InternalError', context: String(err && err.message) }] });
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('dmp-peer: internal error\n');
      });
    });
  },
);
server.keepAliveTimeout = 5000;
// Refused handshakes (no client certificate, one from another CA): counted for the tests.
server.on('tlsClientError', (err) => {
  fs.appendFileSync(path.join(dir, 'tls-errors.jsonl'),
    `${JSON.stringify({ time: new Date().toISOString(), error: String(err && (err.code || err.message)) })}\n`);
});

server.listen(Number(arg('--port', '0')), '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

// The test closes our stdin when it is done: exit then, whatever happens to the test process.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
