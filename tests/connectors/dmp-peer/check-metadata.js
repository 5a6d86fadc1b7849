'use strict';
// The DMP peer's metadata rules on a bare lcm:SubmitObjectsRequest and its documents, without the
// SOAP, MIME and signature layers: the gateway's ITI-41 metadata before it is packed, or the
// METADATA.XML of an XDM package (--flavor xdm: URI slots required, no signature entry).
//
//   node check-metadata.js --metadata FILE [--document ID=FILE]... [--flavor iti41|xdm]
//                          [--shared DIR] [--schematron --schematron-cache DIR]
//
// Prints {"errors": [{code, context}], "submissionSetUniqueId", "documentUniqueIds"} and exits 0
// when no rule is violated, 1 when some is, 2 on a usage error.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { checkSubmission, configure } = require('./rules');

const argv = process.argv.slice(2);
const values = (name) => argv.flatMap((a, i) => (a === name && i + 1 < argv.length ? [argv[i + 1]] : []));
const one = (name, fallback) => values(name)[0] ?? fallback;

const metadataFile = one('--metadata');
if (!metadataFile) {
  console.error('usage: check-metadata.js --metadata FILE [--document ID=FILE]... [--flavor iti41|xdm] [--shared DIR] [--schematron --schematron-cache DIR]');
  process.exit(2);
}
const repoRoot = path.resolve(__dirname, '../../..');
const sharedDefault = [path.join(repoRoot, '../shared'), path.join(repoRoot, '../../shared')]
  .find((c) => fs.existsSync(path.join(c, 'reference'))) || path.join(repoRoot, '../shared');
const shared = path.resolve(one('--shared', sharedDefault));
configure(shared);
const documents = new Map();
for (const d of values('--document')) {
  const eq = d.indexOf('=');
  if (eq <= 0) {
    console.error(`check-metadata.js: --document wants ID=FILE, not ${d}`);
    process.exit(2);
  }
  documents.set(d.slice(0, eq), fs.readFileSync(d.slice(eq + 1)));
}
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'dmp-peer-check-'));
const options = {
  shared,
  schematron: argv.includes('--schematron')
    ? { script: path.join(repoRoot, 'tests/xds/schematron/run.sh'),
        cache: path.resolve(one('--schematron-cache', path.join(work, 'schematron-cache'))) }
    : null,
};
checkSubmission({ metadataXml: fs.readFileSync(metadataFile, 'utf8'), documents, options, work,
  flavor: one('--flavor', 'iti41') })
  .then(({ report, info }) => {
    process.stdout.write(`${JSON.stringify({ errors: report.errors, submissionSetUniqueId: info.submissionSetUniqueId,
      documentUniqueIds: info.documentUniqueIds }, null, 1)}\n`);
    fs.rmSync(work, { recursive: true, force: true });
    process.exit(report.errors.length === 0 ? 0 : 1);
  })
  .catch((err) => {
    console.error(err);
    process.exit(2);
  });
