'use strict';
// Value grammars the DMP peer enforces: HL7 v2 CX / XCN / XON as the ANS writes them
// (../shared/spec/dmp-xds.md §1.7), INS keys, OIDs, HL7 timestamps. Each check returns a list
// of problems (empty when the value is fine); the caller names the rule.

const INS_OIDS = new Set([
  '1.2.250.1.213.1.4.8',   // INS-NIR
  '1.2.250.1.213.1.4.9',   // INS-NIA
  '1.2.250.1.213.1.4.10',  // INS-NIR de test
  '1.2.250.1.213.1.4.11',  // INS-NIA de test
]);
const IDNPS_OID = '1.2.250.1.71.4.2.1';
const IDNST_OID = '1.2.250.1.71.4.2.2';

function isOid(value) {
  return typeof value === 'string' && value.length <= 64 && /^[0-2](\.(0|[1-9][0-9]*))+$/.test(value);
}

// An INS (NIR or NIA): 13 characters (digits, or 2A/2B as the Corsican department at positions
// 6-7) and a 2-digit key = 97 - (number mod 97), where 2A counts as 19 and 2B as 18.
function insProblems(ins) {
  if (typeof ins !== 'string' || !/^[0-9]{5}(?:[0-9]{2}|2A|2B)[0-9]{6}[0-9]{2}$/.test(ins)) {
    return ['is not 13 characters (digits, 2A/2B for Corsica) followed by a 2-digit key'];
  }
  let body = ins.slice(0, 13);
  if (body.slice(5, 7) === '2A') body = `${body.slice(0, 5)}19${body.slice(7)}`;
  else if (body.slice(5, 7) === '2B') body = `${body.slice(0, 5)}18${body.slice(7)}`;
  const key = 97 - Number(BigInt(body) % 97n);
  return key === Number(ins.slice(13)) ? [] : ['has a wrong key (97 - number mod 97)'];
}

// `&<OID>&ISO` (an HD with universal id and type ISO, as a sub-component list).
function hdOid(component) {
  const m = /^&([0-9.]+)&ISO$/.exec(component || '');
  return m && isOid(m[1]) ? m[1] : null;
}

// CX: id^^^&OID&ISO^type, components 1, 4 and 5 required.
function parseCx(value) {
  const c = String(value || '').split('^');
  const problems = [];
  if (c.length < 5) problems.push('has fewer than 5 components (id^^^&OID&ISO^type)');
  if (!c[0]) problems.push('has no id (CX.1)');
  if (c[1] || c[2]) problems.push('has CX.2 or CX.3 set');
  const oid = hdOid(c[3]);
  if (!oid) problems.push('CX.4 is not &<OID>&ISO');
  if (!c[4]) problems.push('has no identifier type (CX.5)');
  if (c.length > 5) problems.push('has more than 5 components');
  return { id: c[0], oid, type: c[4], problems };
}

// The patientId of a DMP submission: an INS under an INS OID, type NH.
function patientIdProblems(value) {
  const cx = parseCx(value);
  const problems = [...cx.problems];
  if (cx.oid && !INS_OIDS.has(cx.oid)) problems.push('assigning authority is not an INS OID');
  if (cx.type && cx.type !== 'NH') problems.push('identifier type is not NH');
  if (cx.id) problems.push(...insProblems(cx.id).map((p) => `INS ${p}`));
  return problems;
}

// XCN: id^family^given^^^^^^&OID&ISO^D|U^^^IDNPS (components 1, 9 required; 10 and 13 as the ANS).
function parseXcn(value) {
  const c = String(value || '').split('^');
  const problems = [];
  if (!c[0]) problems.push('has no id (XCN.1)');
  const oid = hdOid(c[8]);
  if (!oid) problems.push('XCN.9 is not &<OID>&ISO (6 empty components before it)');
  if (c[9] && !['D', 'U', 'L'].includes(c[9])) problems.push('XCN.10 is not D, U or L');
  if (oid === IDNPS_OID && c[12] !== 'IDNPS') problems.push('an IDNPS id without XCN.13 = IDNPS');
  if (oid === IDNPS_OID && !/^[0-9]/.test(c[0] || '')) problems.push('an IDNPS that does not start with a digit (8 RPPS, 0 ADELI, 3 structure)');
  if (c.length > 13) problems.push('has more than 13 components');
  return { id: c[0], oid, problems };
}

// XON: name^^^^^&OID&ISO^IDNST^^^id (components 1, 6, 7 and 10 required).
function parseXon(value) {
  const c = String(value || '').split('^');
  const problems = [];
  if (!c[0]) problems.push('has no organisation name (XON.1)');
  const oid = hdOid(c[5]);
  if (!oid) problems.push('XON.6 is not &<OID>&ISO');
  if (!c[6]) problems.push('has no identifier type (XON.7)');
  if (!c[9]) problems.push('has no organisation id (XON.10)');
  if (oid === IDNST_OID && c[6] !== 'IDNST') problems.push('XON.7 is not IDNST for the IDNST OID');
  if (c.length > 10) problems.push('has more than 10 components');
  return { id: c[9], oid, problems };
}

// An XDS DTM (UTC, YYYY[MM[DD[hh[mm[ss]]]]]).
function isDtm(value) {
  return typeof value === 'string' && /^[0-9]{4}([0-9]{2}){0,5}$/.test(value);
}

// An HL7 v3 TS (CDA effectiveTime) converted to the UTC form of an XDS DTM:
// YYYYMMDD[hhmm[ss[.f]]][+-ZZZZ]. Without a zone the value is returned as written.
function tsToUtc(ts) {
  const m = /^([0-9]{4})([0-9]{2})?([0-9]{2})?([0-9]{2})?([0-9]{2})?([0-9]{2})?(?:\.[0-9]+)?([+-][0-9]{4})?$/.exec(ts || '');
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone] = m;
  if (!zone || h === undefined) return `${y}${mo || ''}${d || ''}${h || ''}${mi || ''}${s || ''}`;
  const sign = zone[0] === '-' ? -1 : 1;
  const offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  const t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi || 0), Number(s || 0)) -
    offsetMinutes * 60000;
  const iso = new Date(t).toISOString();  // 2024-01-02T03:04:05.000Z
  const full = iso.slice(0, 19).replace(/[-T:]/g, '');
  return full.slice(0, 8 + 2 + (mi !== undefined ? 2 : 0) + (s !== undefined ? 2 : 0));
}

module.exports = {
  INS_OIDS, IDNPS_OID, IDNST_OID, isOid, insProblems, parseCx, patientIdProblems, parseXcn,
  parseXon, isDtm, tsToUtc,
};
