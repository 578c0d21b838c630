// Builds one Amplify test app for the browser: bundles APPDIR/page.mjs (aws-amplify v6) into
// OUTDIR/app.js with esbuild, and writes OUTDIR/index.html from APPDIR/page.html with the Amplify
// configuration (JSON, escaped for a <script> element) and the bundle put in its head.
//   node lib/build_page.mjs APPDIR OUTDIR CONFIG_JSON
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const [appdir, outdir, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
await build({
  entryPoints: [resolve(appdir, 'page.mjs')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  outfile: join(outdir, 'app.js'),
  logLevel: 'error',
});
const head = `<script id="amplify-config" type="application/json">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>
<script type="module" src="/app.js"></script>`;
const page = readFileSync(resolve(appdir, 'page.html'), 'utf8');
if (!page.includes('<!-- amplify-config and app.js go here -->')) throw new Error(`${appdir}/page.html has no place for the configuration`);
writeFileSync(join(outdir, 'index.html'), page.replace('<!-- amplify-config and app.js go here -->', head));
process.stdout.write(`${JSON.stringify({ ok: true, outdir })}\n`);
