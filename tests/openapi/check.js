// Checks of the gateway's OpenAPI documents (gateway/openapi/*.json) that a linter cannot make:
//   node check.js documents <repo root>
//     every route the gateway registers (Router::add and registerOpenApiRoutes in gateway/src) is
//     documented in its listener's document and every documented operation is routed; every
//     request example (the examples of the specification) and answer example is valid against
//     its schema;
//     reference.js renders every operation of each document into its page (a fake page without a
//     browser, as text only: writing markup fails).
//   node check.js contract <records.json>
//     every recorded answer of the real gateway (tests/integration/contract_test.cpp) is documented:
//     its status for that operation, each API header it carries, its content type, and its body
//     against the response schema (JSON Schema 2020-12, ajv). Any undocumented answer fails.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const here = __dirname;
const docsDir = path.join(here, '..', '..', 'gateway', 'openapi');
const listeners = { api: 'editor', admin: 'admin' };
const methods = ['get', 'put', 'post', 'delete', 'patch'];
// The response headers whose presence a document must declare (generic HTTP ones are left out).
const checkedHeaders = ['x-request-id', 'location', 'etag', 'idempotent-replayed', 'retry-after',
  'www-authenticate', 'cache-control', 'content-security-policy', 'allow', 'link'];

const problems = [];
const fail = (message) => problems.push(message);

function loadDocuments() {
  const docs = {};
  for (const name of Object.values(listeners)) {
    const doc = JSON.parse(fs.readFileSync(path.join(docsDir, name + '.json'), 'utf8'));
    doc.$id = 'https://fhir-gateway.invalid/openapi/' + name + '.json';
    docs[name] = doc;
  }
  return docs;
}

function makeAjv(docs) {
  // strict off: the documents are OpenAPI, not bare schemas (openapi, paths, discriminator...).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  for (const doc of Object.values(docs)) ajv.addSchema(doc);
  return ajv;
}

const pointer = (parts) => '/' + parts.map((p) => String(p).replace(/~/g, '~0')
  .replace(/\//g, '~1')).join('/');

// Follows local $refs; answers the object and its JSON pointer in the document.
function resolve(doc, node, at) {
  while (node && typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
    at = node.$ref.slice(1);
    node = at.slice(1).split('/').reduce((n, part) =>
      (n ? n[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined), doc);
  }
  return { node, at };
}

function validator(ajv, doc, at) {
  return ajv.compile({ $ref: doc.$id + '#' + at });
}

function explain(errors) {
  return (errors || []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}` +
    (e.params && e.params.additionalProperty ? ` (${e.params.additionalProperty})` : '') +
    (e.params && e.params.unevaluatedProperty ? ` (${e.params.unevaluatedProperty})` : ''))
    .join('; ');
}

function routedOperations(root) {
  const found = { editor: new Set(), admin: new Set() };
  const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
  for (const file of walk(path.join(root, 'gateway', 'src')).filter((f) => f.endsWith('.cpp'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\.add\(\s*"(GET|PUT|POST|DELETE|PATCH)",\s*"([^"]+)"/g)) {
      const [, method, route] = m;
      // The admin console's static files (docs/console.md) are a web page, not the API.
      if (route === '/console' || route.startsWith('/console/')) continue;
      const listener = /^\/(admin|health|metrics)/.test(route) ? 'admin' : 'editor';
      found[listener].add(method.toLowerCase() + ' ' + route);
    }
    for (const m of text.matchAll(/registerOpenApiRoutes\(\s*(\w+),\s*"([^"]+)"/g)) {
      const listener = m[1].startsWith('admin') ? 'admin' : 'editor';
      for (const leaf of ['/openapi.json', '/docs', '/docs.js']) {
        found[listener].add('get ' + m[2] + leaf);
      }
    }
  }
  return found;
}

function checkDocuments(root) {
  const docs = loadDocuments();
  const ajv = makeAjv(docs);
  const routed = routedOperations(root);
  let examples = 0;
  for (const [name, doc] of Object.entries(docs)) {
    const documented = new Set();
    for (const [route, item] of Object.entries(doc.paths)) {
      for (const method of methods.filter((m) => item[m])) {
        documented.add(method + ' ' + route);
        // Examples of answers, like those of requests, must match their schemas.
        for (const [status, answer] of Object.entries(item[method].responses || {})) {
          const { node, at } = resolve(doc, answer,
            pointer(['paths', route, method, 'responses', status]));
          for (const [type, media] of Object.entries(node.content || {})) {
            for (const [exampleName, example] of Object.entries(media.examples || {})) {
              const validate = validator(ajv, doc, at + pointer(['content', type, 'schema']));
              examples += 1;
              if (!validate(example.value)) {
                fail(`${name}: example ${exampleName} of the ${status} answer to ` +
                  `${method.toUpperCase()} ${route} does not match its schema: ` +
                  explain(validate.errors));
              }
            }
          }
        }
        const body = item[method].requestBody;
        if (!body) continue;
        const { node, at } = resolve(doc, body, pointer(['paths', route, method, 'requestBody']));
        for (const [type, media] of Object.entries(node.content || {})) {
          for (const [exampleName, example] of Object.entries(media.examples || {})) {
            const validate = validator(ajv, doc, at + pointer(['content', type, 'schema']));
            examples += 1;
            if (!validate(example.value)) {
              fail(`${name}: example ${exampleName} of ${method.toUpperCase()} ${route} does not ` +
                `match its schema: ${explain(validate.errors)}`);
            }
          }
        }
      }
    }
    for (const op of routed[name]) {
      if (!documented.has(op)) fail(`${name}: ${op} is routed but not documented`);
    }
    for (const op of documented) {
      if (!routed[name].has(op)) fail(`${name}: ${op} is documented but not routed`);
    }
    console.log(`${name}: ${documented.size} operations documented, ${routed[name].size} routed`);
  }
  if (examples === 0) fail('no request example was checked');
  console.log(`${examples} request and answer examples checked against their schemas`);
}

// A document object model just large enough for reference.js: elements with text and children.
class FakeElement {
  constructor(tag) {
    this.tag = tag;
    this.children = [];
    this.text = '';
  }
  set textContent(value) {
    this.text = value;
    this.children = [];
  }
  get textContent() {
    return this.text + this.children.map((c) => c.textContent).join(' ');
  }
  appendChild(child) {
    this.children.push(child);
    return child;
  }
  replaceChildren(...children) {
    this.text = '';
    this.children = children;
  }
  // Markup from the document would be a script injection: the page must never ask for it.
  set innerHTML(value) {
    throw new Error('reference.js wrote markup: ' + value);
  }
}

// Runs gateway/openapi/reference.js against a fake page and a fetch answering the document;
// answers the text of the rendered operations.
async function renderPage(doc) {
  const vm = require('vm');
  const byId = { title: new FakeElement('h1'), summary: new FakeElement('p'),
    operations: new FakeElement('main') };
  let onLoad = null;
  const document = {
    title: '',
    createElement: (tag) => new FakeElement(tag),
    getElementById: (id) => byId[id],
    addEventListener: (event, listener) => { if (event === 'DOMContentLoaded') onLoad = listener; },
  };
  const fetched = [];
  const fetch = async (url) => {
    fetched.push(url);
    return { ok: true, status: 200, json: async () => JSON.parse(JSON.stringify(doc)) };
  };
  const script = fs.readFileSync(path.join(docsDir, 'reference.js'), 'utf8');
  vm.runInNewContext(script, { document, fetch, Map, Set, Error, String, Object, Array, JSON });
  if (!onLoad) throw new Error('reference.js does not wait for DOMContentLoaded');
  await onLoad();
  if (fetched.join() !== 'openapi.json') throw new Error('reference.js fetched ' + fetched.join());
  return { title: document.title, text: byId.operations.textContent };
}

async function checkPages() {
  // The page's Content-Security-Policy allows no inline script or style: the page must not need any.
  const html = fs.readFileSync(path.join(docsDir, 'reference.html'), 'utf8');
  for (const tag of html.match(/<script\b[^>]*>[\s\S]*?<\/script>/gi) || []) {
    if (!/^<script src="[^":]+"[^>]*><\/script>$/i.test(tag)) fail(`reference.html: inline ${tag}`);
  }
  if (/<style|\sstyle=|\son[a-z]+=|javascript:/i.test(html)) {
    fail('reference.html: inline style, event handler or javascript: URL');
  }
  for (const [name, doc] of Object.entries(loadDocuments())) {
    const page = await renderPage(doc);
    if (!page.title.includes(doc.info.title)) fail(`${name} page: title ${page.title}`);
    let listed = 0;
    for (const [route, item] of Object.entries(doc.paths)) {
      for (const method of methods.filter((m) => item[m])) {
        const operation = item[method];
        const shown = method.toUpperCase() + ' ' + route;
        if (!page.text.includes(shown) || !page.text.includes(operation.summary)) {
          fail(`${name} page: ${shown} (${operation.summary}) is not rendered`);
        }
        listed += 1;
      }
    }
    console.log(`${name} page: ${listed} operations rendered`);
  }
}

const baseType = (type) => String(type || '').split(';')[0].trim().toLowerCase();

function headerValue(schema, text) {
  if (schema && (schema.type === 'integer' || schema.type === 'number')) return Number(text);
  return text;
}

function checkContract(recordsFile) {
  const docs = loadDocuments();
  const ajv = makeAjv(docs);
  const records = JSON.parse(fs.readFileSync(recordsFile, 'utf8'));
  const covered = new Map();
  for (const r of records) {
    const name = listeners[r.listener];
    const doc = docs[name];
    const label = `${r.listener} ${r.method} ${r.route} -> ${r.status}` +
      (r.label ? ` (${r.label})` : '');
    const method = r.method.toLowerCase();
    const operation = doc.paths[r.route] && doc.paths[r.route][method];
    if (!operation) {
      fail(`${label}: the operation is not in ${name}.json`);
      continue;
    }
    const status = String(r.status);
    const key = [status, status[0] + 'XX', 'default'].find((k) => operation.responses[k]);
    if (!key) {
      fail(`${label}: status ${status} is not documented for this operation`);
      continue;
    }
    const opKey = `${name} ${r.method} ${r.route}`;
    if (!covered.has(opKey)) covered.set(opKey, new Set());
    covered.get(opKey).add(status);
    const { node: response, at } = resolve(doc, operation.responses[key],
      pointer(['paths', r.route, method, 'responses', key]));
    const declared = {};
    for (const [h, def] of Object.entries(response.headers || {})) {
      declared[h.toLowerCase()] = resolve(doc, def, '').node;
    }
    const headers = {};
    for (const [h, v] of Object.entries(r.headers || {})) headers[h.toLowerCase()] = v;
    for (const h of checkedHeaders) {
      if (headers[h] === undefined) continue;
      if (!declared[h]) {
        fail(`${label}: header ${h} is not documented for this response`);
        continue;
      }
      const schema = declared[h].schema;
      if (schema) {
        const validate = ajv.compile(schema);
        if (!validate(headerValue(schema, headers[h]))) {
          fail(`${label}: header ${h}: ${JSON.stringify(headers[h])} ${explain(validate.errors)}`);
        }
      }
    }
    for (const [h, def] of Object.entries(declared)) {
      if (def.required && headers[h] === undefined) {
        fail(`${label}: the required header ${h} is missing`);
      }
    }
    const content = response.content || {};
    if (r.body === '' || r.body === undefined) {
      if (Object.keys(content).length > 0 && Number(status) !== 204) {
        fail(`${label}: an empty body where the document promises ${Object.keys(content)}`);
      }
      continue;
    }
    const type = Object.keys(content).find((t) => baseType(t) === baseType(headers['content-type']));
    if (!type) {
      fail(`${label}: content type ${headers['content-type']} is not documented ` +
        `(${Object.keys(content).join(', ') || 'no body'})`);
      continue;
    }
    let body = r.body;
    if (/json/.test(baseType(type))) {
      try {
        body = JSON.parse(r.body);
      } catch (error) {
        fail(`${label}: the body is not JSON: ${error.message}`);
        continue;
      }
    }
    const validate = validator(ajv, doc, at + pointer(['content', type, 'schema']));
    if (!validate(body)) fail(`${label}: the body does not match: ${explain(validate.errors)}`);
  }
  for (const [name, doc] of Object.entries(docs)) {
    const missed = [];
    for (const [route, item] of Object.entries(doc.paths)) {
      for (const method of methods.filter((m) => item[m])) {
        const opKey = `${name} ${method.toUpperCase()} ${route}`;
        if (!covered.has(opKey)) missed.push(opKey);
      }
    }
    console.log(`${name}: ${missed.length} operations not exercised${missed.length ? ': ' : ''}` +
      missed.join(', '));
  }
  for (const [op, statuses] of covered) console.log(`checked ${op}: ${[...statuses].join(' ')}`);
  console.log(`${records.length} answers checked`);
}

const [mode, arg] = process.argv.slice(2);
async function main() {
  if (mode === 'documents') {
    checkDocuments(arg || path.join(here, '..', '..'));
    await checkPages();
  } else if (mode === 'contract' && arg) {
    checkContract(arg);
  } else {
    console.error('usage: node check.js documents [repo root] | contract <records.json>');
    process.exit(2);
  }
  for (const p of problems) console.error('FAIL ' + p);
  process.exit(problems.length === 0 ? 0 : 1);
}
main().catch((error) => {
  console.error('FAIL ' + error.stack);
  process.exit(1);
});
