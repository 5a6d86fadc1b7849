// Renders the OpenAPI document next to this page (openapi.json, same origin) into a list of
// operations. Text only: every value goes through textContent, never innerHTML, so nothing in the
// document can become markup or script (the page's Content-Security-Policy forbids inline script).
'use strict';

function el(tag, text, children) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const child of children || []) node.appendChild(child);
  return node;
}

function resolve(doc, item) {
  // A local reference (#/components/...) to the object it names; anything else as it is.
  if (!item || typeof item.$ref !== 'string' || !item.$ref.startsWith('#/')) return item;
  let node = doc;
  for (const part of item.$ref.slice(2).split('/')) {
    node = node ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  return node || item;
}

function schemaName(schema) {
  if (!schema) return '';
  if (schema.$ref) return schema.$ref.split('/').pop();
  if (schema.type === 'array' && schema.items) return schemaName(schema.items) + '[]';
  return Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type || 'any';
}

function renderOperation(doc, path, method, operation) {
  const section = el('section', null, [el('h3', method.toUpperCase() + ' ' + path)]);
  section.id = operation.operationId || method + path;
  if (operation.summary) section.appendChild(el('p', operation.summary));
  if (operation.description) section.appendChild(el('p', operation.description));
  const security = operation.security || doc.security || [];
  section.appendChild(el('p', security.length === 0 ? 'No credential needed.' :
    'Credential: ' + security.map((s) => Object.keys(s).join(' + ')).join(' or ')));
  const params = (operation.parameters || []).map((p) => resolve(doc, p));
  if (params.length > 0) {
    section.appendChild(el('h4', 'Parameters'));
    section.appendChild(el('ul', null, params.map((p) => el('li',
      p.name + ' (' + p.in + (p.required ? ', required' : '') + '): ' + (p.description || '')))));
  }
  if (operation.requestBody) {
    const body = resolve(doc, operation.requestBody);
    section.appendChild(el('h4', 'Request body'));
    section.appendChild(el('ul', null, Object.entries(body.content || {}).map(([type, media]) =>
      el('li', type + ': ' + schemaName(media.schema) +
        (media.examples ? ' (examples: ' + Object.keys(media.examples).join(', ') + ')' : '')))));
  }
  section.appendChild(el('h4', 'Responses'));
  section.appendChild(el('ul', null, Object.entries(operation.responses || {}).map(([status, r]) => {
    const response = resolve(doc, r);
    const types = Object.entries(response.content || {})
      .map(([type, media]) => type + ' ' + schemaName(media.schema)).join(', ');
    const headers = Object.keys(response.headers || {}).join(', ');
    return el('li', status + ' ' + (response.description || '') + (types ? ' [' + types + ']' : '') +
      (headers ? ' (headers: ' + headers + ')' : ''));
  })));
  return section;
}

async function render() {
  const main = document.getElementById('operations');
  let doc;
  try {
    const answer = await fetch('openapi.json', { credentials: 'omit' });
    if (!answer.ok) throw new Error('HTTP ' + answer.status);
    doc = await answer.json();
  } catch (error) {
    main.replaceChildren(el('p', 'The document could not be read: ' + error.message));
    return;
  }
  document.title = doc.info.title + ' ' + doc.info.version;
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('summary').textContent = doc.info.description || '';
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const tag = (operation.tags || ['Other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push(renderOperation(doc, path, method, operation));
    }
  }
  const sections = [];
  for (const [tag, operations] of byTag) {
    sections.push(el('h2', tag));
    sections.push(...operations);
  }
  main.replaceChildren(...sections);
}

document.addEventListener('DOMContentLoaded', render);
