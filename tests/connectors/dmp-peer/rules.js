'use strict';
// The checks of the DMP peer (../shared/spec/dmp-xds.md §4.2), run on one received ITI-41 request.
// Every violated rule is collected as {code, context}: `code` is an XDS RegistryError errorCode
// (XDSRegistryMetadataError...), or, for the message and WS-* layers, the QName of a SOAP 1.2
// fault subcode (peer:InvalidMessage, wsa:..., wsse:...): those are answered as a Sender fault.
// `context` starts with the rule's name (mime.start, vihf.signature, metadata.hash...).
// README.md lists every rule and its code.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');
const { promisify } = require('util');
const { DOMParser, XMLSerializer } = require('@xmldom/xmldom');
const xpath = require('xpath');
const { SignedXml } = require('xml-crypto');
const { parseMultipartRelated, cidFromHref } = require('./mime');
const hl7 = require('./hl7');

const execFileAsync = promisify(execFile);

const NS = {
  soap: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  saml: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  xdsb: 'urn:ihe:iti:xds-b:2007',
  lcm: 'urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0',
  rim: 'urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0',
  xop: 'http://www.w3.org/2004/08/xop/include',
  hl7: 'urn:hl7-org:v3',
  xad: 'http://uri.etsi.org/01903/v1.3.2#',
  xad111: 'http://uri.etsi.org/01903/v1.1.1#',
};
const select = xpath.useNamespaces(NS);

const ITI41_ACTION = 'urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b';
const ALG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  c14n: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315',
  c14nComments: 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  rsaSha1: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  sha1: 'http://www.w3.org/2000/09/xmldsig#sha1',
};
const DIGESTS = { [ALG.sha1]: 'sha1', [ALG.sha256]: 'sha256' };

// XDS scheme UUIDs (IHE ITI TF-3 §4.2.5).
const UUID = {
  submissionSetNode: 'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd',
  ssAuthor: 'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d',
  ssContentType: 'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500',
  ssPatientId: 'urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446',
  ssSourceId: 'urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832',
  ssUniqueId: 'urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8',
  stableEntry: 'urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1',
  deAuthor: 'urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d',
  deClass: 'urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a',
  deType: 'urn:uuid:f0306f51-975f-434e-a61c-c59651d33983',
  deConfidentiality: 'urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f',
  deFormat: 'urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d',
  deFacility: 'urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1',
  dePractice: 'urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead',
  deEvent: 'urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4',
  dePatientId: 'urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427',
  deUniqueId: 'urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab',
};
const HAS_MEMBER = 'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember';
const SIGNS = 'urn:ihe:iti:2007:AssociationType:signs';

// Codes the DocumentEntry classifications must come from (scheme -> allowed codingSchemes, and
// for some the ANS value set that lists the codes; ../shared/reference/ans-cda/jeuxDeValeurs).
const CDA_CODES = {
  [UUID.deClass]: { name: 'classCode', schemes: ['1.2.250.1.213.1.1.4.1'] },
  [UUID.deType]: { name: 'typeCode', schemes: ['2.16.840.1.113883.6.1', '1.2.250.1.213.1.1.4.12'], jdv: 'JDV_J07_XdsTypeCode_CISIS.xml' },
  [UUID.deConfidentiality]: { name: 'confidentialityCode', schemes: ['2.16.840.1.113883.5.25', '1.2.250.1.213.1.1.4.13'], jdv: 'JDV_J08_XdsConfidentialityCode_CISIS.xml' },
  [UUID.deFormat]: { name: 'formatCode', schemes: ['1.3.6.1.4.1.19376.1.2.3'] },
  [UUID.deFacility]: { name: 'healthcareFacilityTypeCode', schemes: ['1.2.250.1.71.4.2.4'], jdv: 'JDV_J02_XdsHealthcareFacilityTypeCode_CISIS.xml' },
  [UUID.dePractice]: { name: 'practiceSettingCode', schemes: ['1.2.250.1.213.1.1.4.9'], jdv: 'JDV_J04_XdsPracticeSettingCode_CISIS.xml' },
};
const FORMAT_BY_MEDIA = {
  'application/pdf': 'urn:ihe:iti:xds-sd:pdf:2008',
  'text/plain': 'urn:ihe:iti:xds-sd:text:2008',
};
const SIGNATURE_FORMATS = ['http://www.w3.org/2000/09/xmldsig#', 'urn:ihe:iti:dsg:detached:2014'];

const VIHF_MANDATORY = [
  'VIHF_Version', 'urn:oasis:names:tc:xacml:2.0:subject:role', 'Secteur_Activite', 'Ressource_URN',
  'urn:oasis:names:tc:xspa:1.0:subject:purposeofuse', 'urn:oasis:names:tc:xspa:1.0:subject:subject-id',
  'Authentification_Mode', 'Identifiant_Structure', 'LPS_ID_HOMOLOGATION_DMP', 'LPS_Nom',
];
const RESOURCE_ID = 'urn:oasis:names:tc:xacml:2.0:resource:resource-id';

class Report {
  constructor() {
    this.errors = [];
  }
  add(code, context) {
    this.errors.push({ code, context });
  }
}

// --- small DOM helpers -------------------------------------------------------------------------

function parseXml(text, report, code, rule) {
  const problems = [];
  const doc = new DOMParser({
    errorHandler: {
      warning: () => {},
      error: (m) => problems.push(m),
      fatalError: (m) => problems.push(m),
    },
  }).parseFromString(text, 'text/xml');
  if (problems.length > 0 || !doc || !doc.documentElement) {
    report.add(code, `${rule}: not well-formed XML (${String(problems[0] || 'no root element').split('\n')[0]})`);
    return null;
  }
  return doc;
}

function elementChildren(node) {
  const out = [];
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.nodeType === 1) out.push(c);
  return out;
}

function is(el, ns, local) {
  return el && el.namespaceURI === ns && el.localName === local;
}

function text(el) {
  return el ? String(el.textContent || '').trim() : '';
}

function attr(el, name) {
  return el && el.hasAttribute(name) ? el.getAttribute(name) : null;
}

// --- certificates --------------------------------------------------------------------------------

// A DN in either OpenSSL's "C=FR\nO=x\nCN=y" or an RFC 2253/4514 "CN=y, O=x, C=FR" form, as a
// sorted list of TYPE=value (order differs between the two forms).
function normaliseDn(dn) {
  const parts = String(dn || '').split(/\n|,(?=\s*[A-Za-z0-9.]+\s*=)/);
  const map = { EMAILADDRESS: 'E', E: 'E', S: 'ST' };
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const eq = p.indexOf('=');
      const type = p.slice(0, eq).trim().toUpperCase();
      return `${map[type] || type}=${p.slice(eq + 1).trim().replace(/\\(.)/g, '$1')}`;
    })
    .sort()
    .join('\n');
}

function certFromBase64(b64) {
  try {
    return new crypto.X509Certificate(Buffer.from(String(b64).replace(/\s+/g, ''), 'base64'));
  } catch {
    return null;
  }
}

// Problems of a signing certificate found in a KeyInfo: the pinned one when configured, and
// always issued and signed by the test CA and valid now.
function signingCertProblems(cert, trust) {
  if (!cert) return ['KeyInfo holds no readable X509Certificate'];
  const problems = [];
  if (trust.pinned && !cert.raw.equals(trust.pinned.raw)) {
    problems.push('the KeyInfo certificate is not the configured signing certificate');
  }
  if (!cert.checkIssued(trust.ca) || !cert.verify(trust.ca.publicKey)) {
    problems.push('the signing certificate does not chain to the test CA');
  }
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo)) {
    problems.push('the signing certificate is not valid now');
  }
  return problems;
}

// --- schema validation (Debian's xmllint) ------------------------------------------------------

async function xsdProblems(xml, schema, work, name) {
  const file = path.join(work, name);
  fs.writeFileSync(file, xml);
  try {
    await execFileAsync('xmllint', ['--noout', '--nonet', '--schema', schema, file], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return [];
  } catch (err) {
    const lines = String(err.stderr || err.message)
      .split('\n')
      .filter((l) => l && !/ fails to validate$/.test(l) && !/ validates$/.test(l) && !/Schemas parser warning/.test(l));
    return lines.length > 0 ? lines.slice(0, 5).map((l) => l.replace(`${file}:`, 'line ')) : ['xmllint failed'];
  }
}

// The VIHF's schema: SAML 2.0, plus the HL7 v3 types (from the ANS CDA schema) that the role
// and purpose-of-use values name with xsi:type="CE", as the ANS example writes them.
function vihfSchema(options, work) {
  const file = path.join(work, 'vihf-schema.xsd');
  const url = (p) => `file://${p.split(path.sep).map(encodeURIComponent).join('/')}`;
  fs.writeFileSync(file, '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:fhirgw:test:dmp-peer:vihf">' +
    `<xs:import namespace="urn:oasis:names:tc:SAML:2.0:assertion" schemaLocation="${url(path.join(options.samlSchemas, 'saml-schema-assertion-2.0.xsd'))}"/>` +
    `<xs:import namespace="urn:hl7-org:v3" schemaLocation="${url(path.join(options.shared, 'reference/ans-cda/infrastructure/cda/CDA_extended.xsd'))}"/>` +
    '</xs:schema>');
  return file;
}

// --- the request ---------------------------------------------------------------------------------

/**
 * Checks one request. `ctx`: {contentType, body (Buffer), url (the URL posted to), options:
 * {shared, samlSchemas, trust: {ca, pinned}, schematron: {script, cache} | null}, work (a folder
 * for temporary files)}. Returns {report, info: {messageId, submissionSetUniqueId,
 * documentUniqueIds, patientId}}.
 */
async function checkRequest(ctx) {
  const report = new Report();
  const info = { messageId: null, submissionSetUniqueId: null, documentUniqueIds: [], patientId: null };
  const mime = parseMultipartRelated(ctx.contentType, ctx.body);
  for (const e of mime.errors) report.add('peer:InvalidMessage', e);
  const action = mime.contentType && mime.contentType.params.action;
  if (action !== undefined && action !== ITI41_ACTION) {
    report.add('peer:InvalidMessage', `http: the action parameter is not ${ITI41_ACTION}`);
  }
  if (!mime.root || !mime.root.contentType) return { report, info };
  const rootAction = mime.root.contentType.params.action;
  if (rootAction !== undefined && rootAction !== ITI41_ACTION) {
    report.add('peer:InvalidMessage', `mime.root: the action parameter is not ${ITI41_ACTION}`);
  }
  const envelopeText = mime.root.body.toString('utf8');
  const doc = parseXml(envelopeText, report, 'peer:InvalidMessage', 'soap.envelope');
  if (!doc) return { report, info };

  const env = doc.documentElement;
  if (is(env, NS.soap11, 'Envelope')) {
    report.add('peer:InvalidMessage', 'soap.version: a SOAP 1.1 envelope (SOAP 1.2 required)');
    return { report, info };
  }
  if (!is(env, NS.soap, 'Envelope')) {
    report.add('peer:InvalidMessage', 'soap.envelope: the root element is not a SOAP 1.2 Envelope');
    return { report, info };
  }
  const kids = elementChildren(env);
  const header = kids[0] && is(kids[0], NS.soap, 'Header') ? kids[0] : null;
  const body = kids.find((k) => is(k, NS.soap, 'Body'));
  if (!header || !body || kids.length !== 2 || kids[1] !== body) {
    report.add('peer:InvalidMessage', 'soap.envelope: expected exactly soap:Header then soap:Body');
    if (!body) return { report, info };
  }

  // XOP: every Include names a part, every part but the root is named exactly once.
  const includes = select('//xop:Include', doc);
  const used = new Map();
  const partOf = new Map();  // Include element -> part
  for (const inc of includes) {
    const cid = cidFromHref(attr(inc, 'href'));
    const part = cid === null ? undefined : mime.parts.get(cid);
    if (!part) {
      report.add('peer:InvalidMessage', `xop.include: href ${JSON.stringify(attr(inc, 'href'))} names no MIME part`);
      continue;
    }
    if (part === mime.root) {
      report.add('peer:InvalidMessage', 'xop.include: an href names the root part');
      continue;
    }
    if (used.has(cid)) report.add('peer:InvalidMessage', `xop.include: part <${cid}> included twice`);
    used.set(cid, true);
    partOf.set(inc, part);
    if (elementChildren(inc.parentNode).length !== 1 || text(inc.parentNode) !== '') {
      report.add('peer:InvalidMessage', 'xop.include: an xop:Include is not the only content of its element');
    }
  }
  for (const [cid, part] of mime.parts) {
    if (part !== mime.root && !used.has(cid)) {
      report.add('peer:InvalidMessage', `xop.unreferenced: MIME part ${part.index} <${cid}> is not referenced by any xop:Include`);
    }
  }

  if (header) checkAddressing(header, ctx.url, report, info);
  const assertion = header ? findAssertion(header, report) : null;

  const request = elementChildren(body);
  if (request.length !== 1 || !is(request[0], NS.xdsb, 'ProvideAndRegisterDocumentSetRequest')) {
    report.add('peer:InvalidMessage', 'soap.body: the Body does not hold exactly one xdsb:ProvideAndRegisterDocumentSetRequest');
    return { report, info };
  }
  const work = ctx.work;

  // The documents: xdsb:Document id -> the bytes of its part.
  const documents = new Map();
  for (const d of select('xdsb:Document', request[0])) {
    const id = attr(d, 'id');
    const inc = elementChildren(d).find((k) => is(k, NS.xop, 'Include'));
    if (!inc) {
      report.add('peer:InvalidMessage', `xop.document: xdsb:Document ${id} carries no xop:Include (the DMP layout sends each document as a MIME part)`);
      continue;
    }
    if (documents.has(id)) report.add('XDSRepositoryMetadataError', `documents.id: two xdsb:Document with id ${id}`);
    if (partOf.has(inc)) documents.set(id, partOf.get(inc).body);
  }

  // Schema of the body once the parts are inlined as base64 (xdsb:Document is base64Binary).
  const inlined = new DOMParser().parseFromString(new XMLSerializer().serializeToString(request[0]), 'text/xml');
  for (const d of select('//xdsb:Document', inlined)) {
    const id = attr(d, 'id');
    while (d.firstChild) d.removeChild(d.firstChild);
    d.appendChild(inlined.createTextNode((documents.get(id) || Buffer.alloc(0)).toString('base64')));
  }
  const schema = path.join(ctx.options.shared, 'reference/xds-schemas/IHE/XDS.b_DocumentRepository.xsd');
  const tasks = [];
  tasks.push(xsdProblems(new XMLSerializer().serializeToString(inlined), schema, work, 'body.xml')
    .then((ps) => ps.forEach((p) => report.add('XDSRegistryMetadataError', `xsd.body: ${p}`))));
  if (assertion) {
    tasks.push(xsdProblems(new XMLSerializer().serializeToString(assertion), vihfSchema(ctx.options, work), work, 'assertion.xml')
      .then((ps) => ps.forEach((p) => report.add('wsse:InvalidSecurityToken', `xsd.assertion: ${p}`))));
  }

  const metadata = checkMetadata(request[0], documents, report, info);
  if (assertion) checkVihf(assertion, envelopeText, ctx.options.trust, metadata, report);
  tasks.push(checkDocuments(ctx.options, work, metadata, documents, report));
  for (const entry of metadata.entries.filter((e) => e.isSignature)) {
    const bytes = documents.get(entry.id);
    if (bytes) checkXades(entry, bytes, documents, metadata, ctx.options.trust, report);
  }
  await Promise.all(tasks);
  return { report, info };
}

// The CDA documents of a submission: schema, header consistency with their entry, schematrons.
async function checkDocuments(options, work, metadata, documents, report) {
  const tasks = [];
  const cdaDir = path.join(work, 'cda');
  const tlmDir = path.join(cdaDir, 'tlm-cr');
  fs.mkdirSync(tlmDir, { recursive: true });
  const cdaSchema = path.join(options.shared, 'reference/ans-cda/infrastructure/cda/CDA_extended.xsd');
  let tlmCount = 0;
  let cdaCount = 0;
  for (const entry of metadata.entries) {
    const bytes = documents.get(entry.id);
    if (!bytes || entry.isSignature) continue;
    const cda = parseXml(bytes.toString('utf8'), report, 'DMPPeerInvalidDocument', `cda.xml ${entry.id}`);
    if (!cda) continue;
    cdaCount++;
    const name = `${entry.id.replace(/[^A-Za-z0-9_.-]/g, '_')}.xml`;
    fs.writeFileSync(path.join(cdaDir, name), bytes);
    if (select('string(/hl7:ClinicalDocument/hl7:code/@code)', cda) === '85208-7') {
      fs.writeFileSync(path.join(tlmDir, name), bytes);
      tlmCount++;
    }
    tasks.push(xsdProblems(bytes, cdaSchema, work, `xsd-${name}`)
      .then((ps) => ps.forEach((p) => report.add('DMPPeerInvalidDocument', `xsd.cda ${entry.id}: ${p}`))));
    checkCdaConsistency(entry, cda, metadata, report);
  }
  if (options.schematron && cdaCount > 0) {
    tasks.push(runSchematrons(options, cdaDir, ['profils/IHE.sch', 'profils/structurationMinimale/ASIP-STRUCT-MIN-StrucMin.sch'], report));
    if (tlmCount > 0) tasks.push(runSchematrons(options, tlmDir, ['CI-SIS_TLM-CR_2022.01.sch'], report));
  }
  await Promise.all(tasks);
}

/**
 * The metadata rules alone, on a bare lcm:SubmitObjectsRequest (an XDM METADATA.XML, or the
 * gateway's ITI-41 metadata before it is packed): its schema (lcm.xsd), the metadata, the CDA
 * documents given as {entry id -> bytes}. The XAdES of a signature entry is not checked here.
 */
async function checkSubmission({ metadataXml, documents, options, work, flavor = 'iti41' }) {
  const report = new Report();
  const info = { messageId: null, submissionSetUniqueId: null, documentUniqueIds: [], patientId: null };
  const doc = parseXml(metadataXml, report, 'XDSRegistryMetadataError', 'metadata.xml');
  if (!doc) return { report, info };
  const tasks = [];
  tasks.push(xsdProblems(metadataXml, path.join(options.shared, 'reference/xds-schemas/ebRS/lcm.xsd'), work, 'metadata.xml')
    .then((ps) => ps.forEach((p) => report.add('XDSRegistryMetadataError', `xsd.metadata: ${p}`))));
  const metadata = checkMetadata(doc, documents, report, info, flavor);
  tasks.push(checkDocuments(options, work, metadata, documents, report));
  await Promise.all(tasks);
  return { report, info };
}

function checkAddressing(header, url, report, info) {
  const one = (local) => {
    const found = elementChildren(header).filter((k) => is(k, NS.wsa, local));
    if (found.length === 0) report.add('wsa:MessageAddressingHeaderRequired', `wsa.${local}: missing`);
    if (found.length > 1) report.add('wsa:InvalidAddressingHeader', `wsa.${local}: repeated`);
    return found.length === 1 ? found[0] : null;
  };
  const action = one('Action');
  if (action) {
    if (text(action) !== ITI41_ACTION) report.add('wsa:ActionNotSupported', `wsa.Action: not ${ITI41_ACTION}`);
    const mu = action.getAttributeNS(NS.soap, 'mustUnderstand');
    if (mu !== 'true' && mu !== '1') {
      report.add('wsa:InvalidAddressingHeader', 'wsa.Action: soap:mustUnderstand="true" missing (an unqualified mustUnderstand does not count)');
    }
  }
  const id = one('MessageID');
  if (id) {
    info.messageId = text(id);
    if (!/^urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(text(id))) {
      report.add('wsa:InvalidAddressingHeader', 'wsa.MessageID: not a urn:uuid');
    }
  }
  const to = one('To');
  if (to && text(to) !== url) report.add('wsa:InvalidAddressingHeader', `wsa.To: ${JSON.stringify(text(to))} is not the URL posted to (${url})`);
}

function findAssertion(header, report) {
  const security = elementChildren(header).filter((k) => is(k, NS.wsse, 'Security'));
  if (security.length !== 1) {
    report.add('wsse:InvalidSecurity', `wss.security: ${security.length} wsse:Security headers (exactly one expected)`);
    return null;
  }
  const assertions = elementChildren(security[0]).filter((k) => is(k, NS.saml, 'Assertion'));
  if (assertions.length !== 1) {
    report.add('wsse:InvalidSecurity', `wss.assertion: ${assertions.length} saml2:Assertion in wsse:Security (exactly one expected)`);
    return null;
  }
  return assertions[0];
}

// --- VIHF ----------------------------------------------------------------------------------------

function checkVihf(assertion, envelopeText, trust, metadata, report) {
  const id = attr(assertion, 'ID');
  const issuer = elementChildren(assertion).find((k) => is(k, NS.saml, 'Issuer'));
  const signatures = elementChildren(assertion).filter((k) => is(k, NS.ds, 'Signature'));
  if (signatures.length !== 1) {
    report.add('wsse:FailedCheck', `vihf.signature: ${signatures.length} ds:Signature children of the Assertion (exactly one expected)`);
  } else {
    const sig = signatures[0];
    const kids = elementChildren(assertion);
    if (!is(kids[0], NS.saml, 'Issuer') || kids[1] !== sig) {
      report.add('wsse:InvalidSecurityToken', 'vihf.signature: ds:Signature is not right after saml2:Issuer');
    }
    const alg = (xp) => select(`string(${xp})`, sig);
    if (alg('ds:SignedInfo/ds:CanonicalizationMethod/@Algorithm') !== ALG.excC14n) {
      report.add('wsse:FailedCheck', 'vihf.algorithms: CanonicalizationMethod is not exclusive c14n');
    }
    if (alg('ds:SignedInfo/ds:SignatureMethod/@Algorithm') !== ALG.rsaSha256) {
      report.add('wsse:FailedCheck', 'vihf.algorithms: SignatureMethod is not rsa-sha256');
    }
    const refs = select('ds:SignedInfo/ds:Reference', sig);
    if (refs.length !== 1 || attr(refs[0], 'URI') !== `#${id}`) {
      report.add('wsse:FailedCheck', 'vihf.reference: the signature does not have exactly one Reference to #<Assertion ID>');
    } else {
      const transforms = select('ds:Transforms/ds:Transform/@Algorithm', refs[0]).map((a) => a.value);
      if (transforms.length !== 2 || transforms[0] !== ALG.enveloped || transforms[1] !== ALG.excC14n) {
        report.add('wsse:FailedCheck', 'vihf.reference: transforms are not enveloped-signature then exclusive c14n');
      }
      if (select('string(ds:DigestMethod/@Algorithm)', refs[0]) !== ALG.sha256) {
        report.add('wsse:FailedCheck', 'vihf.reference: DigestMethod is not sha256');
      }
    }
    const cert = certFromBase64(select('string(ds:KeyInfo/ds:X509Data/ds:X509Certificate)', sig));
    for (const p of signingCertProblems(cert, trust)) report.add('wsse:FailedCheck', `vihf.certificate: ${p}`);
    if (cert) {
      if (select('string(@Format)', issuer || assertion) !== 'urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName') {
        report.add('wsse:InvalidSecurityToken', 'vihf.issuer: Issuer Format is not X509SubjectName');
      }
      if (!issuer || normaliseDn(text(issuer)) !== normaliseDn(cert.subject)) {
        report.add('wsse:InvalidSecurityToken', 'vihf.issuer: Issuer is not the signing certificate\'s subject DN');
      }
      // xml-crypto, pinned to the KeyInfo certificate only once it passed the checks above.
      try {
        const key = (trust.pinned || cert).toString();
        const verifier = new SignedXml({ publicCert: key, getCertFromKeyInfo: () => null });
        verifier.loadSignature(sig);
        if (!verifier.checkSignature(envelopeText)) {
          report.add('wsse:FailedCheck', 'vihf.signature: a reference digest does not match (xml-crypto)');
        }
      } catch (err) {
        report.add('wsse:FailedCheck', `vihf.signature: ${String(err.message).split(':')[0]} (xml-crypto)`);
      }
    }
  }
  if (!id) report.add('wsse:InvalidSecurityToken', 'vihf.assertion: no ID');

  const attributes = new Map();
  for (const a of select('saml:AttributeStatement/saml:Attribute', assertion)) {
    const values = select('saml:AttributeValue', a);
    attributes.set(attr(a, 'Name'), values);
  }
  for (const name of VIHF_MANDATORY) {
    const values = attributes.get(name);
    if (!values || values.length === 0 || values.every((v) => text(v) === '' && elementChildren(v).length === 0)) {
      report.add('wsse:InvalidSecurityToken', `vihf.attribute: ${name} missing or empty`);
    }
  }
  const mode = attributes.get('Authentification_Mode');
  if (mode && mode.length > 0 && text(mode[0]) !== 'INDIRECTE') {
    report.add('wsse:InvalidSecurityToken', 'vihf.attribute: Authentification_Mode is not INDIRECTE');
  }
  const urn = attributes.get('Ressource_URN');
  if (urn && urn.length > 0 && text(urn[0]) !== 'urn:dmp') {
    report.add('wsse:InvalidSecurityToken', 'vihf.attribute: Ressource_URN is not urn:dmp');
  }
  if (select('saml:Conditions/saml:AudienceRestriction', assertion).length > 0) {
    report.add('wsse:InvalidSecurityToken', 'vihf.conditions: an AudienceRestriction is present');
  }
  if (select('saml:Subject/saml:NameID', assertion).length !== 1) {
    report.add('wsse:InvalidSecurityToken', 'vihf.subject: no Subject/NameID');
  }
  if (select('saml:AuthnStatement', assertion).length !== 1) {
    report.add('wsse:InvalidSecurityToken', 'vihf.authn: no AuthnStatement');
  }
  const resource = attributes.get(RESOURCE_ID);
  if (!resource || resource.length !== 1) {
    report.add('wsse:InvalidSecurityToken', `vihf.attribute: ${RESOURCE_ID} missing`);
  } else if (metadata.patientId !== null && text(resource[0]) !== metadata.patientId) {
    report.add('XDSPatientIdDoesNotMatch', 'vihf.resource-id: the VIHF resource-id is not the SubmissionSet patientId');
  }
}

// --- metadata ------------------------------------------------------------------------------------

function readObject(el) {
  const slots = new Map();
  for (const s of elementChildren(el).filter((k) => is(k, NS.rim, 'Slot'))) {
    slots.set(attr(s, 'name'), select('rim:ValueList/rim:Value', s).map(text));
  }
  const nameEl = elementChildren(el).find((k) => is(k, NS.rim, 'Name'));
  return {
    el,
    id: attr(el, 'id'),
    slots,
    name: nameEl ? select('string(rim:LocalizedString/@value)', nameEl) : null,
    classifications: [],
    externalIds: elementChildren(el)
      .filter((k) => is(k, NS.rim, 'ExternalIdentifier'))
      .map((x) => ({ el: x, scheme: attr(x, 'identificationScheme'), value: attr(x, 'value'),
        registryObject: attr(x, 'registryObject'), name: select('string(rim:Name/rim:LocalizedString/@value)', x) })),
  };
}

function checkMetadata(request, documents, report, info, flavor = 'iti41') {
  const M = 'XDSRegistryMetadataError';
  const out = { submissionSet: null, entries: [], patientId: null, uniqueId: null };
  const list = select('lcm:SubmitObjectsRequest/rim:RegistryObjectList', request)[0];
  if (!list) {
    report.add(M, 'metadata.structure: no lcm:SubmitObjectsRequest/rim:RegistryObjectList');
    return out;
  }
  const byId = new Map();
  const ids = select('.//*[@id]', list).map((e) => attr(e, 'id'));
  for (const id of ids) {
    if (byId.has(id)) report.add(M, `metadata.id: id ${id} used twice`);
    byId.set(id, true);
  }
  const classifications = select('.//rim:Classification', list).map((c) => {
    const o = readObject(c);
    return { ...o, scheme: attr(c, 'classificationScheme'), node: attr(c, 'classificationNode'),
      classified: attr(c, 'classifiedObject'), code: attr(c, 'nodeRepresentation'),
      codingScheme: (o.slots.get('codingScheme') || [])[0] };
  });

  // SubmissionSet: the RegistryPackage classified by the SubmissionSet node.
  const packages = select('rim:RegistryPackage', list).map(readObject);
  const nodes = classifications.filter((c) => c.node === UUID.submissionSetNode);
  const sets = packages.filter((p) => nodes.some((c) => c.classified === p.id));
  if (sets.length !== 1 || nodes.length !== 1) {
    report.add(M, `metadata.submissionSet: ${sets.length} RegistryPackage classified as SubmissionSet (exactly one expected)`);
  }
  const ss = sets[0] || null;
  out.submissionSet = ss;
  if (ss) {
    ss.classifications = classifications.filter((c) => c.classified === ss.id && c.node !== UUID.submissionSetNode);
    const slot = (n) => (ss.slots.get(n) || []);
    if (slot('submissionTime').length !== 1 || !hl7.isDtm(slot('submissionTime')[0])) {
      report.add(M, 'metadata.submissionSet.submissionTime: missing or not a DTM');
    }
    const authors = ss.classifications.filter((c) => c.scheme === UUID.ssAuthor);
    if (authors.length < 1) report.add(M, 'metadata.submissionSet.author: missing');
    for (const a of authors) checkAuthor(a, 'submissionSet', report);
    const content = ss.classifications.filter((c) => c.scheme === UUID.ssContentType);
    if (content.length !== 1) report.add(M, 'metadata.submissionSet.contentTypeCode: not exactly one');
    for (const c of content) checkCoded(c, 'submissionSet.contentTypeCode', ['1.2.250.1.213.2.2', '1.2.250.1.71.4.2.4'], report);
    const ext = ss.externalIds;
    if (ext.length !== 3) report.add(M, `metadata.submissionSet.externalIdentifier: ${ext.length} (patientId, sourceId, uniqueId expected)`);
    const ident = (scheme, name) => {
      const found = ext.filter((x) => x.scheme === scheme);
      if (found.length !== 1) {
        report.add(M, `metadata.submissionSet.${name}: not exactly one ExternalIdentifier ${scheme}`);
        return null;
      }
      if (found[0].name !== `XDSSubmissionSet.${name}`) report.add(M, `metadata.submissionSet.${name}: Name is not XDSSubmissionSet.${name}`);
      if (found[0].registryObject !== ss.id) report.add(M, `metadata.submissionSet.${name}: registryObject is not the SubmissionSet`);
      return found[0].value;
    };
    out.patientId = ident(UUID.ssPatientId, 'patientId');
    const sourceId = ident(UUID.ssSourceId, 'sourceId');
    out.uniqueId = ident(UUID.ssUniqueId, 'uniqueId');
    info.submissionSetUniqueId = out.uniqueId;
    info.patientId = out.patientId;
    for (const p of hl7.patientIdProblems(out.patientId)) report.add(M, `metadata.submissionSet.patientId: ${p}`);
    if (sourceId !== null && !hl7.isOid(sourceId)) report.add(M, 'metadata.submissionSet.sourceId: not an OID');
    if (out.uniqueId !== null && !hl7.isOid(out.uniqueId)) report.add(M, 'metadata.submissionSet.uniqueId: not an OID');
  }

  // Associations.
  const associations = select('rim:Association', list).map((a) => ({
    type: attr(a, 'associationType'), source: attr(a, 'sourceObject'), target: attr(a, 'targetObject'),
    status: (readObject(a).slots.get('SubmissionSetStatus') || [])[0],
  }));
  const signers = new Set(associations.filter((a) => a.type === SIGNS).map((a) => a.source));
  for (const a of associations) {
    if (!byId.has(a.source) || !byId.has(a.target)) {
      report.add(M, `metadata.association: ${a.type} from ${a.source} to ${a.target} names an object not in the submission`);
    }
    if (a.type === SIGNS && (!ss || a.target !== ss.id)) report.add(M, 'metadata.signs: a signs association does not target the SubmissionSet');
  }

  // DocumentEntries.
  const entries = select('rim:ExtrinsicObject', list).map(readObject);
  for (const e of select('rim:ExtrinsicObject', list)) {
    if (attr(e, 'objectType') !== UUID.stableEntry) report.add(M, `metadata.documentEntry.objectType: ${attr(e, 'id')} is not a stable DocumentEntry`);
  }
  if (entries.length === 0) report.add(M, 'metadata.documentEntry: no DocumentEntry');
  for (const entry of entries) {
    entry.mimeType = attr(entry.el, 'mimeType');
    entry.classifications = classifications.filter((c) => c.classified === entry.id);
    entry.isSignature = signers.has(entry.id);
    const where = `metadata.documentEntry ${entry.id}`;
    const slot = (n) => entry.slots.get(n) || [];
    const one = (n) => {
      const v = slot(n);
      if (v.length !== 1 || v[0] === '') report.add(M, `${where}.${n}: missing`);
      return v.length === 1 ? v[0] : null;
    };
    const creation = one('creationTime');
    if (creation !== null && !hl7.isDtm(creation)) report.add(M, `${where}.creationTime: not a DTM`);
    one('languageCode');
    const hash = one('hash');
    const size = one('size');
    const sourcePatientId = one('sourcePatientId');
    if (sourcePatientId !== null) for (const p of hl7.parseCx(sourcePatientId).problems) report.add(M, `${where}.sourcePatientId: ${p}`);
    if (!entry.mimeType) report.add(M, `${where}.mimeType: missing`);
    if (!entry.name) report.add(M, `${where}.title: missing`);
    const legal = one('legalAuthenticator');
    if (legal !== null) for (const p of hl7.parseXcn(legal).problems) report.add(M, `${where}.legalAuthenticator: ${p}`);
    const start = one('serviceStartTime');
    if (start !== null && !hl7.isDtm(start)) report.add(M, `${where}.serviceStartTime: not a DTM`);
    if (slot('serviceStopTime').length > 0 && !hl7.isDtm(slot('serviceStopTime')[0])) report.add(M, `${where}.serviceStopTime: not a DTM`);
    if (!entry.isSignature) {
      if (slot('sourcePatientInfo').length === 0) report.add(M, `${where}.sourcePatientInfo: missing`);
      if (entry.mimeType && entry.mimeType !== 'text/xml') report.add(M, `${where}.mimeType: a CDA is text/xml`);
    }
    for (const key of flavor === 'xdm' ? ['repositoryUniqueId', 'entryUUID'] : ['URI', 'repositoryUniqueId', 'entryUUID']) {
      if (slot(key).length > 0) report.add(M, `${where}.${key}: not sent in ITI-41 to the DMP`);
    }
    if (flavor === 'xdm' && slot('URI').length !== 1) report.add(M, `${where}.URI: missing (required in XDM)`);

    // Classifications.
    const by = (scheme) => entry.classifications.filter((c) => c.scheme === scheme);
    const authors = by(UUID.deAuthor);
    if (!entry.isSignature && authors.length < 1) report.add(M, `${where}.author: missing`);
    for (const a of authors) checkAuthor(a, `documentEntry ${entry.id}`, report);
    for (const [scheme, rule] of Object.entries(CDA_CODES)) {
      const found = by(scheme);
      const max = scheme === UUID.deConfidentiality ? 4 : 1;
      if (found.length < 1 || found.length > max) {
        report.add(M, `${where}.${rule.name}: ${found.length} classifications (${max === 1 ? 'exactly one' : '1 to 4'} expected)`);
      }
      for (const c of found) checkCoded(c, `documentEntry ${entry.id}.${rule.name}`, entry.isSignature ? null : rule.schemes, report, entry.isSignature ? null : rule.jdv);
    }
    for (const c of by(UUID.deEvent)) checkCoded(c, `documentEntry ${entry.id}.eventCodeList`, null, report);
    const format = by(UUID.deFormat)[0];
    if (entry.isSignature && format && !SIGNATURE_FORMATS.includes(format.code)) {
      report.add(M, `${where}.formatCode: not a signature format (${SIGNATURE_FORMATS.join(', ')})`);
    }
    entry.code = (scheme) => by(scheme).map((c) => ({ code: c.code, scheme: c.codingScheme, name: c.name }));
    entry.authors = authors;
    entry.slot = slot;

    // External identifiers.
    const ident = (scheme, name) => {
      const found = entry.externalIds.filter((x) => x.scheme === scheme);
      if (found.length !== 1) {
        report.add(M, `${where}.${name}: not exactly one ExternalIdentifier ${scheme}`);
        return null;
      }
      if (found[0].name !== `XDSDocumentEntry.${name}`) report.add(M, `${where}.${name}: Name is not XDSDocumentEntry.${name}`);
      if (found[0].registryObject !== entry.id) report.add(M, `${where}.${name}: registryObject is not the DocumentEntry`);
      return found[0].value;
    };
    entry.patientId = ident(UUID.dePatientId, 'patientId');
    entry.uniqueId = ident(UUID.deUniqueId, 'uniqueId');
    if (entry.uniqueId !== null) {
      info.documentUniqueIds.push(entry.uniqueId);
      const [root, ext, extra] = entry.uniqueId.split('^');
      if (!hl7.isOid(root) || extra !== undefined || (ext !== undefined && ext === '') || entry.uniqueId.length > 128) {
        report.add(M, `${where}.uniqueId: not an OID (optionally ^extension)`);
      }
    }
    if (entry.patientId !== null && out.patientId !== null && entry.patientId !== out.patientId) {
      report.add('XDSPatientIdDoesNotMatch', `${where}.patientId: not the SubmissionSet patientId`);
    }
    if (entry.patientId !== null) for (const p of hl7.patientIdProblems(entry.patientId)) report.add(M, `${where}.patientId: ${p}`);

    // The document: present, hash and size of its bytes.
    const bytes = documents.get(entry.id);
    if (!bytes) {
      report.add('XDSMissingDocument', `documents: DocumentEntry ${entry.id} has no xdsb:Document`);
    } else {
      if (hash !== null && (!/^[0-9a-f]{40}$/.test(hash) || hash !== crypto.createHash('sha1').update(bytes).digest('hex'))) {
        report.add('XDSNonIdenticalHash', `${where}.hash: not the SHA-1 (lower-case hex) of the part's bytes`);
      }
      if (size !== null && size !== String(bytes.length)) {
        report.add('XDSNonIdenticalSize', `${where}.size: not the byte count of the part`);
      }
    }
    if (ss && !associations.some((a) => a.type === HAS_MEMBER && a.source === ss.id && a.target === entry.id)) {
      report.add(M, `metadata.hasMember: no HasMember from the SubmissionSet to ${entry.id}`);
    }
    const membership = associations.find((a) => a.type === HAS_MEMBER && ss && a.source === ss.id && a.target === entry.id);
    if (membership && membership.status !== 'Original') {
      report.add(M, `metadata.hasMember: the HasMember to ${entry.id} has no SubmissionSetStatus Original`);
    }
  }
  for (const id of documents.keys()) {
    if (!entries.some((e) => e.id === id)) report.add('XDSMissingDocumentMetadata', `documents: xdsb:Document ${id} has no DocumentEntry`);
  }
  if (flavor === 'iti41' && signers.size !== 1) report.add(M, `metadata.signs: ${signers.size} signature entries with a signs association (exactly one expected)`);
  out.entries = entries;
  return out;
}

function checkAuthor(c, where, report) {
  const M = 'XDSRegistryMetadataError';
  if (c.code !== '') report.add(M, `metadata.${where}.author: nodeRepresentation is not empty`);
  const person = c.slots.get('authorPerson') || [];
  const institution = c.slots.get('authorInstitution') || [];
  if (person.length !== 1) report.add(M, `metadata.${where}.authorPerson: not exactly one`);
  for (const p of person) for (const x of hl7.parseXcn(p).problems) report.add(M, `metadata.${where}.authorPerson: ${x}`);
  for (const i of institution) for (const x of hl7.parseXon(i).problems) report.add(M, `metadata.${where}.authorInstitution: ${x}`);
}

const jdvCache = new Map();
let jdvFolder = null;
function jdvCodes(file) {
  if (!jdvCache.has(file)) {
    const doc = new DOMParser().parseFromString(fs.readFileSync(path.join(jdvFolder, file), 'utf8'), 'text/xml');
    const codes = new Set();
    for (const c of xpath.select('//*[local-name()="Concept"]', doc)) codes.add(`${c.getAttribute('code')}|${c.getAttribute('codeSystem')}`);
    jdvCache.set(file, codes);
  }
  return jdvCache.get(file);
}

function checkCoded(c, where, schemes, report, jdv) {
  const M = 'XDSRegistryMetadataError';
  if (!c.code) report.add(M, `metadata.${where}: nodeRepresentation empty`);
  if (!c.codingScheme) report.add(M, `metadata.${where}: no codingScheme slot`);
  else if (schemes && !schemes.includes(c.codingScheme)) report.add(M, `metadata.${where}: codingScheme ${c.codingScheme} not in ${schemes.join(', ')}`);
  if (!c.name) report.add(M, `metadata.${where}: no Name (display)`);
  if (jdv && jdvFolder && c.code && c.codingScheme && !jdvCodes(jdv).has(`${c.code}|${c.codingScheme}`)) {
    report.add(M, `metadata.${where}: ${c.code} is not in ${jdv.replace('.xml', '')}`);
  }
}

// --- CDA header <-> metadata (dmp-xds.md §2.4) ---------------------------------------------------

function checkCdaConsistency(entry, cda, metadata, report) {
  const M = 'XDSRegistryMetadataError';
  const where = `cda-consistency ${entry.id}`;
  const s = (xp) => select(`string(${xp})`, cda);
  const root = '/hl7:ClinicalDocument';
  if (!cda.documentElement || !is(cda.documentElement, NS.hl7, 'ClinicalDocument')) {
    report.add('DMPPeerInvalidDocument', `cda.root ${entry.id}: not an HL7 v3 ClinicalDocument`);
    return;
  }
  const idRoot = s(`${root}/hl7:id/@root`);
  const idExt = s(`${root}/hl7:id/@extension`);
  const uid = idExt ? `${idRoot}^${idExt}` : idRoot;
  if (entry.uniqueId !== null && entry.uniqueId !== uid) report.add(M, `${where}.uniqueId: not ClinicalDocument/id`);
  const type = entry.code(UUID.deType)[0];
  if (type && (type.code !== s(`${root}/hl7:code/@code`) || type.scheme !== s(`${root}/hl7:code/@codeSystem`))) {
    report.add(M, `${where}.typeCode: not ClinicalDocument/code`);
  }
  if (entry.name !== null && entry.name !== s(`${root}/hl7:title`)) report.add(M, `${where}.title: not ClinicalDocument/title`);
  const creation = hl7.tsToUtc(s(`${root}/hl7:effectiveTime/@value`));
  if (entry.slot('creationTime')[0] !== undefined && entry.slot('creationTime')[0] !== creation) {
    report.add(M, `${where}.creationTime: not ClinicalDocument/effectiveTime in UTC`);
  }
  if ((entry.slot('languageCode')[0] || '') !== s(`${root}/hl7:languageCode/@code`)) {
    report.add(M, `${where}.languageCode: not ClinicalDocument/languageCode`);
  }
  const conf = entry.code(UUID.deConfidentiality);
  if (!conf.some((c) => c.code === s(`${root}/hl7:confidentialityCode/@code`) && c.scheme === s(`${root}/hl7:confidentialityCode/@codeSystem`))) {
    report.add(M, `${where}.confidentialityCode: ClinicalDocument/confidentialityCode is not among them`);
  }
  // The patient: the INS of recordTarget is the patientId.
  const insIds = select(`${root}/hl7:recordTarget/hl7:patientRole/hl7:id`, cda)
    .filter((i) => hl7.INS_OIDS.has(attr(i, 'root')));
  if (insIds.length !== 1) {
    report.add('XDSPatientIdDoesNotMatch', `${where}.patientId: recordTarget has ${insIds.length} INS ids (exactly one expected)`);
  } else if (entry.patientId !== null) {
    const cx = hl7.parseCx(entry.patientId);
    if (cx.id !== attr(insIds[0], 'extension') || cx.oid !== attr(insIds[0], 'root')) {
      report.add('XDSPatientIdDoesNotMatch', `${where}.patientId: not the recordTarget INS`);
    }
  }
  const legal = entry.slot('legalAuthenticator')[0];
  if (legal !== undefined && hl7.parseXcn(legal).id !== s(`${root}/hl7:legalAuthenticator/hl7:assignedEntity/hl7:id/@extension`)) {
    report.add(M, `${where}.legalAuthenticator: not legalAuthenticator/assignedEntity/id`);
  }
  const authorIds = select(`${root}/hl7:author/hl7:assignedAuthor/hl7:id/@extension`, cda).map((a) => a.value);
  for (const a of entry.authors) {
    const person = (a.slots.get('authorPerson') || [])[0];
    if (person !== undefined && !authorIds.includes(hl7.parseXcn(person).id)) {
      report.add(M, `${where}.authorPerson: not an author/assignedAuthor/id of the CDA`);
    }
  }
  const event = `${root}/hl7:documentationOf[1]/hl7:serviceEvent`;
  const startTs = s(`${event}/hl7:effectiveTime/hl7:low/@value`) || s(`${event}/hl7:effectiveTime/@value`);
  if (entry.slot('serviceStartTime')[0] !== undefined && entry.slot('serviceStartTime')[0] !== hl7.tsToUtc(startTs)) {
    report.add(M, `${where}.serviceStartTime: not serviceEvent/effectiveTime/low in UTC`);
  }
  const stopTs = s(`${event}/hl7:effectiveTime/hl7:high/@value`);
  if (entry.slot('serviceStopTime')[0] !== undefined && entry.slot('serviceStopTime')[0] !== hl7.tsToUtc(stopTs)) {
    report.add(M, `${where}.serviceStopTime: not serviceEvent/effectiveTime/high in UTC`);
  }
  const eventCodes = select(`${root}/hl7:documentationOf/hl7:serviceEvent/hl7:code`, cda).map((c) => `${attr(c, 'code')}|${attr(c, 'codeSystem')}`);
  for (const c of entry.code(UUID.deEvent)) {
    if (!eventCodes.includes(`${c.code}|${c.scheme}`)) report.add(M, `${where}.eventCodeList: ${c.code} is not a serviceEvent/code of the CDA`);
  }
  const facility = entry.code(UUID.deFacility)[0];
  const fac = `${root}/hl7:componentOf/hl7:encompassingEncounter/hl7:location/hl7:healthCareFacility/hl7:code`;
  if (facility && (facility.code !== s(`${fac}/@code`) || facility.scheme !== s(`${fac}/@codeSystem`))) {
    report.add(M, `${where}.healthcareFacilityTypeCode: not healthCareFacility/code`);
  }
  const practice = entry.code(UUID.dePractice)[0];
  const sic = `${event}/hl7:performer/hl7:assignedEntity/hl7:representedOrganization/hl7:standardIndustryClassCode`;
  if (practice && (practice.code !== s(`${sic}/@code`) || practice.scheme !== s(`${sic}/@codeSystem`))) {
    report.add(M, `${where}.practiceSettingCode: not serviceEvent/performer/.../standardIndustryClassCode`);
  }
  const format = entry.code(UUID.deFormat)[0];
  const media = s(`${root}/hl7:component/hl7:nonXMLBody/hl7:text/@mediaType`);
  if (format && media && FORMAT_BY_MEDIA[media] && format.code !== FORMAT_BY_MEDIA[media]) {
    report.add(M, `${where}.formatCode: not ${FORMAT_BY_MEDIA[media]} for a ${media} body`);
  }
}

// --- schematrons ---------------------------------------------------------------------------------

async function runSchematrons(options, folder, schematrons, report) {
  const reference = path.join(options.shared, 'reference/ans-cda');
  try {
    await execFileAsync('bash', [options.schematron.script, reference, options.schematron.cache, folder, ...schematrons], {
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const out = String(err.stdout || '');
    const failed = out.split('\n').filter((l) => l.startsWith('FAILED'));
    if (failed.length === 0) {
      report.add('DMPPeerInvalidDocument', `schematron: run.sh failed (${String(err.stderr || err.message).split('\n')[0]})`);
    }
    for (const line of failed) report.add('DMPPeerInvalidDocument', `schematron: ${line.replace(/^FAILED /, '')}`);
    // The assertion texts follow each FAILED line, indented: name the first of each.
    const texts = out.split('\n').filter((l) => /^\s+\S/.test(l)).map((l) => l.trim()).slice(0, 10);
    for (const t of texts) report.add('DMPPeerInvalidDocument', `schematron.assert: ${t.slice(0, 300)}`);
  }
}

// --- XAdES ---------------------------------------------------------------------------------------

function checkXades(entry, bytes, documents, metadata, trust, report) {
  const X = 'DMPPeerInvalidSignature';
  const where = `xades ${entry.id}`;
  const doc = parseXml(bytes.toString('utf8'), report, X, where);
  if (!doc) return;
  const sig = doc.documentElement;
  if (!is(sig, NS.ds, 'Signature')) {
    report.add(X, `${where}: the document is not a ds:Signature`);
    return;
  }
  const s = (xp, node = sig) => select(`string(${xp})`, node);
  const method = s('ds:SignedInfo/ds:SignatureMethod/@Algorithm');
  const c14n = s('ds:SignedInfo/ds:CanonicalizationMethod/@Algorithm');
  if (method === ALG.rsaSha1) {
    if (c14n !== ALG.c14nComments) report.add(X, `${where}.profile: rsa-sha1 (the DRIMbox profile) goes with c14n with comments`);
  } else if (method === ALG.rsaSha256) {
    if (![ALG.c14n, ALG.c14nComments, ALG.excC14n].includes(c14n)) report.add(X, `${where}.profile: unexpected CanonicalizationMethod`);
  } else {
    report.add(X, `${where}.profile: SignatureMethod is neither rsa-sha1 nor rsa-sha256`);
  }
  const digestAlg = method === ALG.rsaSha1 ? ALG.sha1 : ALG.sha256;
  const refs = select('ds:SignedInfo/ds:Reference', sig);
  const manifestRef = refs.find((r) => attr(r, 'Type') === 'http://www.w3.org/2000/09/xmldsig#Manifest');
  const propsRef = refs.find((r) => /^http:\/\/uri\.etsi\.org\/01903(\/v1\.[13]\.[12])?#SignedProperties$/.test(attr(r, 'Type') || ''));
  if (!manifestRef || !propsRef || refs.length !== 2) {
    report.add(X, `${where}.signedInfo: expected one Reference to the Manifest and one to the SignedProperties`);
  }
  for (const r of refs) {
    if (s('ds:DigestMethod/@Algorithm', r) !== digestAlg) report.add(X, `${where}.signedInfo: a Reference digest is not ${DIGESTS[digestAlg]} as the profile`);
  }

  // The certificate and the SignedInfo signature (xml-crypto).
  const cert = certFromBase64(s('ds:KeyInfo/ds:X509Data/ds:X509Certificate'));
  for (const p of signingCertProblems(cert, trust)) report.add(X, `${where}.certificate: ${p}`);
  if (cert) {
    try {
      const verifier = new SignedXml({ publicCert: (trust.pinned || cert).toString(), getCertFromKeyInfo: () => null });
      verifier.loadSignature(sig);
      if (!verifier.checkSignature(bytes.toString('utf8'))) report.add(X, `${where}.signature: a SignedInfo reference digest does not match (xml-crypto)`);
    } catch (err) {
      report.add(X, `${where}.signature: ${String(err.message).split(':')[0]} (xml-crypto)`);
    }
  }

  // The Manifest: the SubmissionSet and every non-signature DocumentEntry, digests over the parts.
  const manifestId = manifestRef ? String(attr(manifestRef, 'URI') || '').replace(/^#/, '') : null;
  const manifest = select('ds:Object/ds:Manifest', sig).find((m) => attr(m, 'Id') === manifestId);
  if (!manifest) {
    report.add(X, `${where}.manifest: no ds:Manifest with the Id the SignedInfo names`);
  } else {
    const mrefs = select('ds:Reference', manifest);
    const uris = mrefs.map((r) => attr(r, 'URI'));
    const expected = [`urn:oid:${metadata.uniqueId}`];
    for (const e of metadata.entries) if (!e.isSignature && e.uniqueId) expected.push(`urn:oid:${e.uniqueId}`);
    for (const u of expected) if (!uris.includes(u)) report.add(X, `${where}.manifest: no Reference to ${u}`);
    for (const u of uris) if (!expected.includes(u)) report.add(X, `${where}.manifest: Reference ${u} names nothing in the submission`);
    for (const r of mrefs) {
      const uri = attr(r, 'URI');
      const target = metadata.entries.find((e) => !e.isSignature && `urn:oid:${e.uniqueId}` === uri);
      if (!target) continue;
      const part = documents.get(target.id);
      const alg = DIGESTS[s('ds:DigestMethod/@Algorithm', r)];
      if (!alg) {
        report.add(X, `${where}.manifest: the Reference to ${uri} has an unknown DigestMethod`);
        continue;
      }
      if (!part) continue;
      const expectedDigests = [crypto.createHash(alg).update(part).digest('base64')];
      // A c14n transform: the digest of the canonical form is right too (equal to the raw bytes'
      // when the sender canonicalised the CDA before sending, as the DMP layout asks).
      const transforms = select('ds:Transforms/ds:Transform/@Algorithm', r).map((a) => a.value);
      const canon = canonical(part, transforms);
      if (canon !== null) expectedDigests.push(crypto.createHash(alg).update(canon, 'utf8').digest('base64'));
      if (!expectedDigests.includes(s('ds:DigestValue', r).replace(/\s+/g, ''))) {
        report.add(X, `${where}.manifest: the digest of ${uri} is not the ${alg} of the received part`);
      }
    }
  }

  // SignedProperties: SigningCertificate and SigningTime.
  const propsId = propsRef ? String(attr(propsRef, 'URI') || '').replace(/^#/, '') : null;
  const props = select('.//*[local-name()="SignedProperties"]', sig).find((p) => attr(p, 'Id') === propsId);
  if (!props || ![NS.xad, NS.xad111].includes(props.namespaceURI)) {
    report.add(X, `${where}.signedProperties: no XAdES SignedProperties with the Id the SignedInfo names`);
    return;
  }
  const xns = props.namespaceURI;
  const local = (name) => `*[local-name()="${name}" and namespace-uri()="${xns}"]`;
  const sst = `${local('SignedSignatureProperties')}`;
  const time = Date.parse(s(`${sst}/${local('SigningTime')}`, props));
  const windowMs = trust.signingTimeWindowMs ?? 5 * 60 * 1000;
  if (Number.isNaN(time) || (windowMs > 0 && Math.abs(time - Date.now()) > windowMs)) {
    report.add(X, `${where}.signingTime: missing or more than ${windowMs / 1000} s away from now`);
  }
  const certs = select(`${sst}/${local('SigningCertificate')}/${local('Cert')}`, props);
  if (certs.length !== 1) {
    report.add(X, `${where}.signingCertificate: not exactly one Cert`);
  } else if (cert) {
    // DRIMbox writes DigestMethod/DigestValue in the XAdES namespace, the schema in ds: accept both.
    const digestMethod = s('*[local-name()="CertDigest"]/*[local-name()="DigestMethod"]/@Algorithm', certs[0]);
    const digestValue = s('*[local-name()="CertDigest"]/*[local-name()="DigestValue"]', certs[0]).replace(/\s+/g, '');
    const alg = DIGESTS[digestMethod];
    if (!alg || crypto.createHash(alg).update(cert.raw).digest('base64') !== digestValue) {
      report.add(X, `${where}.signingCertificate: CertDigest is not the digest of the KeyInfo certificate`);
    }
    const issuer = s('*[local-name()="IssuerSerial"]/ds:X509IssuerName', certs[0]);
    const serial = s('*[local-name()="IssuerSerial"]/ds:X509SerialNumber', certs[0]);
    if (normaliseDn(issuer) !== normaliseDn(cert.issuer)) report.add(X, `${where}.signingCertificate: X509IssuerName is not the certificate's issuer`);
    let serialOk = false;
    try {
      serialOk = /^[0-9]+$/.test(serial) && BigInt(serial) === BigInt(`0x${cert.serialNumber}`);
    } catch {
      serialOk = false;
    }
    if (!serialOk) report.add(X, `${where}.signingCertificate: X509SerialNumber is not the certificate's serial (decimal)`);
  }
}

// The canonical form of a part under its Reference's transforms, or null when there is no c14n
// transform or the part does not parse.
function canonical(part, transforms) {
  const { C14nCanonicalization, C14nCanonicalizationWithComments, ExclusiveCanonicalization } = require('xml-crypto');
  const Kind = { [ALG.c14n]: C14nCanonicalization, [ALG.c14nComments]: C14nCanonicalizationWithComments,
    [ALG.excC14n]: ExclusiveCanonicalization }[transforms.find((t) => t !== ALG.enveloped)];
  if (!Kind) return null;
  try {
    const doc = new DOMParser().parseFromString(part.toString('utf8'), 'text/xml');
    return new Kind().process(doc.documentElement, {});
  } catch {
    return null;
  }
}

function configure(shared) {
  jdvFolder = path.join(shared, 'reference/ans-cda/jeuxDeValeurs');
}

module.exports = { checkRequest, checkSubmission, configure, normaliseDn, ITI41_ACTION };
