// Shared plumbing for the interop scripts: read a JSON config, run named steps against a real
// client library, print one JSON result on stdout and exit (non-zero with a JSON error on failure).
//
// Config comes from argv[2] (a JSON string, or a path to a JSON file), else from the
// USERPOOL_INTEROP_CONFIG environment variable (JSON). Common members:
//   endpoint  server URL (http://127.0.0.1:PORT)
//   poolId, clientId
//   outbox    path of the server's outbox.jsonl (to read confirmation/reset codes)
//   steps     [{do: "<action>", ...args, catch?: true}]  run in order
// A step's result is {do, ok: true, value, ms} or {do, ok: false, error, ms}; a failed step stops the
// run unless it says `catch: true` (then the error is recorded and the run goes on).
import { createHmac } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';

export function readConfig() {
  const arg = process.argv[2];
  let text = arg ?? process.env.USERPOOL_INTEROP_CONFIG;
  if (!text) throw new Error('no config: pass JSON (or a JSON file path) as argv[2] or set USERPOOL_INTEROP_CONFIG');
  if (!text.trimStart().startsWith('{') && existsSync(text)) text = readFileSync(text, 'utf8');
  return JSON.parse(text);
}

/** The installed version of a package (read from node_modules: not every package exports package.json). */
export function packageVersion(name) {
  return JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
}

export function describeError(err) {
  if (err === null || typeof err !== 'object') return { name: 'Error', message: String(err) };
  const out = { name: err.name ?? err.code ?? 'Error', message: err.message ?? String(err) };
  if (err.code) out.code = err.code;
  if (err.underlyingError) out.underlyingError = describeError(err.underlyingError);
  if (err.recoverySuggestion) out.recoverySuggestion = err.recoverySuggestion;
  if (err.$metadata?.httpStatusCode) out.httpStatusCode = err.$metadata.httpStatusCode;
  if (err.statusCode) out.httpStatusCode = err.statusCode;
  return out;
}

export function decodeJwtPayload(token) {
  const part = String(token).split('.')[1];
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

/** The newest code the server delivered to `username` (optionally of one `kind`). */
export function outboxCode(config, username, kind) {
  if (!config.outbox) throw new Error('config.outbox is needed to read delivered codes');
  const lines = readFileSync(config.outbox, 'utf8').split('\n').filter((l) => l.trim());
  for (const line of lines.reverse()) {
    const msg = JSON.parse(line);
    if (msg.user_pool_id === config.poolId && msg.username === username && (!kind || msg.kind === kind)) return String(msg.code);
  }
  throw new Error(`no ${kind ?? ''} code in the outbox for ${username}`);
}

/** A code that is surely not `code`: every digit shifted by one. */
export function wrongCode(code) {
  return String(code).replace(/\d/g, (d) => String((Number(d) + 1) % 10));
}

/** `{"outbox": "<KIND>"}` in a step argument stands for the newest delivered code of that kind
 * (`"username"` picks another user's, `"wrong": true` a code sure to differ from it). */
export function resolveCode(config, username, value) {
  if (value && typeof value === 'object' && 'outbox' in value) {
    const code = outboxCode(config, value.username ?? username, value.outbox);
    return value.wrong ? wrongCode(code) : code;
  }
  return value;
}

const TOTP_STEP_SECONDS = 30;

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${JSON.stringify(text)}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The current RFC 6238 time step (30 s). */
export function totpStep(now = Date.now()) {
  return Math.floor(now / 1000 / TOTP_STEP_SECONDS);
}

/** RFC 6238 TOTP (RFC 4226 HOTP over the time step): HMAC-SHA-1, 6 digits. */
export function totpCode(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 1_000_000).padStart(6, '0');
}

function emit(result, code) {
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(code));
}

/** Runs `config.steps` with `actions[step.do](step)` and prints the outcome. */
export async function runSteps(actions, setup) {
  const steps = [];
  const started = performance.now();
  try {
    const config = readConfig();
    const ctx = (await setup?.(config)) ?? {};
    const setupMs = Math.round(performance.now() - started);
    for (const step of config.steps ?? []) {
      const action = actions[step.do];
      if (!action) throw new Error(`unknown step ${JSON.stringify(step.do)}`);
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      try {
        const value = await action(step, ctx, config);
        steps.push({ do: step.do, ok: true, value: value ?? null, ms: ms() });
      } catch (err) {
        steps.push({ do: step.do, ok: false, error: describeError(err), ms: ms() });
        if (!step.catch) {
          emit({ ok: false, error: describeError(err), failedStep: step.do, steps }, 1);
          return;
        }
      }
    }
    emit({ ok: true, setupMs, steps }, 0);
  } catch (err) {
    emit({ ok: false, error: describeError(err), steps }, 2);
  }
}
