// Bundles the admin console: node build.mjs NODE_MODULES OUT_DIR
// writes OUT_DIR/console.js (src/main.js with Preact, htm and uPlot, one IIFE, minified) and
// OUT_DIR/console.css (src/console.css with uPlot's style sheet). NODE_MODULES is where `npm ci`
// installed package-lock.json (the CMake build keeps it in its own folder, not in the sources).
// The packages' licence comments are kept at the end of each file.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [modules, out] = process.argv.slice(2);
if (!modules || !out) {
  console.error('usage: node build.mjs NODE_MODULES OUT_DIR');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const esbuild = createRequire(path.join(path.resolve(modules), 'index.js'))('esbuild');

const common = {
  bundle: true,
  minify: true,
  nodePaths: [path.resolve(modules)],
  outdir: path.resolve(out),
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
  // Chromium and Firefox ESR of Debian 12, Safari of 2023.
  target: ['chrome109', 'firefox115', 'safari16'],
};
await esbuild.build({
  ...common,
  entryPoints: { console: path.join(here, 'src', 'main.js') },
  format: 'iife',
});
await esbuild.build({ ...common, entryPoints: { console: path.join(here, 'src', 'console.css') } });
