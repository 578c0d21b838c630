// Bundles page.mjs (aws-amplify v6 for the browser) into <outdir>/app.js with esbuild and writes
// <outdir>/index.html carrying the Amplify configuration given as JSON: node build.mjs OUTDIR CONFIG_JSON
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const [outdir, configJson] = process.argv.slice(2);
const config = JSON.parse(configJson);
await build({
  entryPoints: [new URL('./page.mjs', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  outfile: join(outdir, 'app.js'),
  logLevel: 'error',
});
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Amplify passkeys app</title>
<style>body{font:16px sans-serif;margin:2em} pre{white-space:pre-wrap}</style>
<script id="amplify-config" type="application/json">${JSON.stringify(config).replace(/</g, '\\u003c')}</script>
<script type="module" src="/app.js"></script></head>
<body><h1>Amplify passkeys app</h1>
<p id="status">Loading</p>
<p>Passkeys: <span id="passkeys">(not listed)</span></p>
<p>Hub events: <span id="events"></span></p>
<pre id="errors"></pre>
</body></html>
`;
writeFileSync(join(outdir, 'index.html'), html);
process.stdout.write(`${JSON.stringify({ ok: true, outdir })}\n`);
