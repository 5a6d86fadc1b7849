'use strict';
// A strict parser for the MTOM/XOP request of an ITI-41 Provide and Register
// (multipart/related, RFC 2387; XOP, W3C 2005; the DMP's layout in ../shared/spec/dmp-xds.md §1.2).
// Written for this peer rather than taken from a library: it must refuse what a lenient parser
// would accept (LF-only lines, duplicate Content-IDs, a `start` naming no part, stray parts).
//
// parseMultipartRelated(contentTypeHeader, body: Buffer) ->
//   { errors: [string], root: {headers, contentType, contentId, body: Buffer} | null,
//     parts: Map<contentId, part> }   (contentId without the angle brackets)

// Parameters of a Content-Type value: `type/subtype; a=b; c="d e"`. Returns null on bad syntax.
function parseContentType(value) {
  if (typeof value !== 'string') return null;
  const m = /^\s*([A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+)\s*/.exec(value);
  if (!m) return null;
  const result = { type: m[1].toLowerCase(), params: {} };
  let rest = value.slice(m[0].length);
  while (rest.length > 0) {
    const p = /^;\s*([A-Za-z0-9!#$&^_.+-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^;\s"]+)\s*/.exec(rest);
    if (!p) {
      // A trailing ";" is tolerated by most stacks; anything else is a syntax error.
      if (/^;\s*$/.test(rest)) break;
      return null;
    }
    const name = p[1].toLowerCase();
    if (name in result.params) return null;  // a repeated parameter is ambiguous
    result.params[name] = p[3] !== undefined ? p[3].replace(/\\(.)/g, '$1') : p[2];
    rest = rest.slice(p[0].length);
  }
  return result;
}

// Header block of a part: lines separated by CRLF, no folding (RFC 2387 parts here never need it).
function parseHeaders(text, errors, where) {
  const headers = {};
  for (const line of text.split('\r\n')) {
    if (line.includes('\n') || line.includes('\r')) {
      errors.push(`${where}: a header line ends with a bare LF or CR instead of CRLF`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || /^\s/.test(line)) {
      errors.push(`${where}: malformed header line`);
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name in headers) errors.push(`${where}: header ${name} repeated`);
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

function stripAngles(cid) {
  const m = /^<([^<>\s]+)>$/.exec(cid || '');
  return m ? m[1] : null;
}

function parseMultipartRelated(contentTypeHeader, body) {
  const errors = [];
  const parts = new Map();
  const out = { errors, root: null, parts, contentType: null };
  const ct = parseContentType(contentTypeHeader);
  if (!ct) {
    errors.push('http: Content-Type missing or malformed');
    return out;
  }
  out.contentType = ct;
  if (ct.type !== 'multipart/related') {
    errors.push(`http: Content-Type is ${ct.type}, not multipart/related (MTOM/XOP)`);
    return out;
  }
  const { boundary, type, start } = ct.params;
  if (ct.params['start-info'] !== 'application/soap+xml') {
    errors.push('http: start-info is not "application/soap+xml" (SOAP 1.2)');
  }
  if (type !== 'application/xop+xml') errors.push('http: type is not "application/xop+xml"');
  if (!boundary || boundary.length > 70 || !/^[0-9A-Za-z'()+_,\-./:=? ]*[0-9A-Za-z'()+_,\-./:=?]$/.test(boundary)) {
    errors.push('http: boundary missing or not a valid RFC 2046 boundary');
    return out;
  }
  const startCid = start === undefined ? undefined : stripAngles(start);
  if (start === undefined) errors.push('http: start parameter missing');
  else if (!startCid) errors.push('http: start is not a <content-id>');

  // Delimiters: the body starts with "--boundary" (an empty preamble: nothing to ignore here) and
  // every later delimiter is "\r\n--boundary"; the last one is followed by "--".
  const dash = Buffer.from(`--${boundary}`);
  const delim = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, dash.length).equals(dash)) {
    errors.push('mime: the body does not start with the boundary delimiter');
    return out;
  }
  let at = dash.length;
  let index = 0;
  let closed = false;
  while (at <= body.length) {
    // After a delimiter: "--" closes, CRLF opens a part (transport padding is not used by MTOM).
    if (body.subarray(at, at + 2).toString('latin1') === '--') {
      closed = true;
      const tail = body.subarray(at + 2);
      if (tail.length > 0 && tail.toString('latin1') !== '\r\n') {
        errors.push('mime: bytes after the closing delimiter other than one CRLF');
      }
      break;
    }
    if (body.subarray(at, at + 2).toString('latin1') !== '\r\n') {
      errors.push(`mime: the delimiter of part ${index + 1} is not followed by CRLF`);
      return out;
    }
    at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at, 'latin1');
    const next = body.indexOf(delim, at);
    if (next < 0) {
      errors.push(`mime: part ${index + 1} has no closing delimiter (truncated body or LF line ends)`);
      return out;
    }
    index++;
    const where = `mime part ${index}`;
    if (headerEnd < 0 || headerEnd > next) {
      errors.push(`${where}: no CRLF CRLF between its headers and its body`);
      at = next + delim.length;
      continue;
    }
    const headers = parseHeaders(body.subarray(at, headerEnd).toString('latin1'), errors, where);
    const partBody = body.subarray(headerEnd + 4, next);
    const contentId = stripAngles(headers['content-id']);
    if (!headers['content-id']) errors.push(`${where}: Content-ID missing`);
    else if (!contentId) errors.push(`${where}: Content-ID is not <id>`);
    const partType = parseContentType(headers['content-type']);
    if (!partType) errors.push(`${where}: Content-Type missing or malformed`);
    const cte = (headers['content-transfer-encoding'] || 'binary').toLowerCase();
    if (!['binary', '8bit'].includes(cte)) {
      errors.push(`${where}: Content-Transfer-Encoding ${cte} (MTOM parts are binary)`);
    }
    const part = { index, headers, contentType: partType, contentId, body: partBody };
    if (contentId) {
      if (parts.has(contentId)) errors.push(`${where}: Content-ID <${contentId}> used twice`);
      else parts.set(contentId, part);
    }
    if (index === 1) out.first = part;
    at = next + delim.length;
  }
  if (!closed) errors.push('mime: no closing delimiter');
  if (index === 0) {
    errors.push('mime: no part');
    return out;
  }
  if (startCid) {
    out.root = parts.get(startCid) || null;
    if (!out.root) errors.push(`mime: start <${startCid}> names no part`);
    else if (out.root !== out.first) errors.push('mime: the start part is not the first part');
  }
  if (out.root) {
    const rt = out.root.contentType;
    if (!rt || rt.type !== 'application/xop+xml') {
      errors.push('mime: the root part is not application/xop+xml');
    } else if (rt.params.type !== 'application/soap+xml') {
      errors.push('mime: the root part\'s type parameter is not "application/soap+xml"');
    }
    if (rt && rt.params.charset && rt.params.charset.toLowerCase() !== 'utf-8') {
      errors.push('mime: the root part is not UTF-8');
    }
  }
  return out;
}

// The Content-ID an xop:Include href names (RFC 2392 cid: URL, percent-decoded), or null.
function cidFromHref(href) {
  if (typeof href !== 'string' || !href.startsWith('cid:')) return null;
  try {
    return decodeURIComponent(href.slice(4));
  } catch {
    return null;
  }
}

module.exports = { parseMultipartRelated, parseContentType, cidFromHref };
