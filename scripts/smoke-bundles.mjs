// Runs every action's committed bundle once, as the runner would, with no inputs, no AWS
// settings and an empty workspace: each must fail cleanly — exit 1 within a few seconds, at
// least one `::error::` line, and no "failed unexpectedly" (which would mean a bug, not a
// ConfigurationError). Then once more with every input set to hostile text (newlines, `%0A`,
// `\r\n` and workflow commands): it must still fail cleanly, and no line it prints may be a
// workflow command the text smuggled in.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const HOSTILE =
  'x\n::error::smuggled-1%0A::add-mask::smuggled-2\r\n::warning::smuggled-3\r::stop-commands::smuggled-4';
const SMUGGLED = /^::(?:error|warning|notice|add-mask|stop-commands|set-output|debug)[^:]*::smuggled/;
let failures = 0;

function runBundle(action, bundle, inputs) {
  const dir = mkdtempSync(join(tmpdir(), `wcd-smoke-${action}-`));
  const files = Object.fromEntries(
    ['GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY', 'GITHUB_STATE', 'GITHUB_ENV'].map((k) => [k, join(dir, k)]),
  );
  for (const f of Object.values(files)) writeFileSync(f, '');
  const started = Date.now();
  const run = spawnSync(process.execPath, [bundle], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      GITHUB_WORKSPACE: dir,
      RUNNER_TEMP: dir,
      GITHUB_ACTIONS: 'true',
      ...files,
      ...inputs,
    },
  });
  return { run, ms: Date.now() - started };
}

for (const action of readdirSync(join(root, 'actions')).sort()) {
  const bundle = join(root, 'actions', action, 'dist', 'index.js');
  if (!existsSync(bundle)) continue;
  const spec = parse(readFileSync(join(root, 'actions', action, 'action.yml'), 'utf8'));
  const hostile = Object.fromEntries(
    Object.keys(spec.inputs ?? {}).map((name) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, HOSTILE]),
  );
  // The free-text inputs hostile, the others as the action's .env.example sets them, so that
  // parsing gets past the strict inputs to where free text is used and echoed. AWS is a closed
  // loopback port (and no instance metadata), so any AWS call fails at once.
  const example = existsSync(join(root, 'actions', action, '.env.example'))
    ? Object.fromEntries(
        readFileSync(join(root, 'actions', action, '.env.example'), 'utf8')
          .split('\n')
          .map((l) => /^(INPUT_[A-Z0-9_-]+)=(.*)$/.exec(l))
          .filter(Boolean)
          .map((m) => [m[1], m[2]]),
      )
    : {};
  const freeText = Object.fromEntries(
    Object.keys(hostile)
      .filter((k) => /REASON|MESSAGE|TITLE|NOTE|DESCRIPTION|ACTOR|CONTACT/.test(k))
      .map((k) => [k, HOSTILE]),
  );
  const offline = {
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'smoke',
    AWS_SECRET_ACCESS_KEY: 'smoke',
  };
  for (const [label, inputs] of [
    ['no inputs', {}],
    ['hostile text in every input', hostile],
    ...(Object.keys(freeText).length
      ? [[`hostile ${Object.keys(freeText).join(', ')}`, { ...example, ...freeText, ...offline }]]
      : []),
  ]) {
    const { run, ms } = runBundle(action, bundle, inputs);
    const lines = run.stdout.split(/\r?\n|\r/);
    const errors = lines.filter((l) => l.startsWith('::error'));
    const smuggled = lines.filter((l) => SMUGGLED.test(l));
    const ok =
      run.status === 1 &&
      errors.length >= 1 &&
      !run.stdout.includes('failed unexpectedly') &&
      !smuggled.length;
    if (!ok) failures++;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${action} (${label}): exit ${run.status} in ${ms} ms — ${smuggled[0] ? `smuggled: ${smuggled[0]}` : (errors[0] ?? '(no ::error:: line)')}`,
    );
    if (!ok) console.log(run.stdout.slice(-2000), run.stderr.slice(-2000));
  }
}
process.exit(failures ? 1 : 0);
