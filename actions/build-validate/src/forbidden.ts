/**
 * Forbidden content in the deployable output: files that must not ship (source maps, `.env`
 * files) and text that must never be inside a bundle (private keys, AWS keys, the secrets the
 * build was given). A finding names the file and line and never repeats what it found.
 */
import { basename } from 'node:path';
import type { ContentPattern } from './content-patterns.js';
import { matcherFor } from './paths.js';

export const BUILT_IN_RULES = [
  'source-maps',
  'env-files',
  'private-keys',
  'aws-keys',
  'build-secrets',
] as const;
export type BuiltInRule = (typeof BUILT_IN_RULES)[number];

/** What the `forbid` input asks for: built-in rules, extra file globs, extra content patterns. */
export interface ForbidPolicy {
  rules: ReadonlySet<BuiltInRule>;
  files: readonly string[];
  /** The user's `/regex/` patterns, matched in linear time (see `content-patterns.ts`). */
  content: readonly ContentPattern[];
}

export interface Finding {
  /** A built-in rule name, or `file-pattern` / `content-pattern` for the user's own. */
  rule: string;
  file: string;
  line?: number;
  message: string;
}

/** Secrets given to the build shorter than this are not searched for (too many false hits). */
export const MIN_SECRET_LENGTH = 8;

const ENV_FILE_EXAMPLES = new Set(['.env.example', '.env.sample', '.env.template']);
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
// AWS access key ids: AKIA (long-term) or ASIA (temporary) and 16 base-32 characters, standing
// alone: not inside a longer base-64 run, where such letters occur by chance.
const AWS_ACCESS_KEY_ID = /(?<![A-Za-z0-9+/])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9+/=])/g;
// A secret access key is 40 base-64 characters; only searched for next to its name.
const AWS_SECRET_KEY = /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi;
// AWS's documentation keys (…EXAMPLE, …EXAMPLEKEY) are placeholders in docs and code comments.
const DOCUMENTATION_KEY = /EXAMPLE(?:KEY)?["']?$/;
const INLINE_SOURCE_MAP = /[#@]\s*sourceMappingURL=data:/g;

/**
 * Findings from a file's name alone: source maps, `.env` files (not `.env.example`) and the
 * user's forbidden globs.
 *
 * @example
 * findForbiddenFiles('frontend/dist/assets/app.js.map', defaultPolicy);
 * // [{ rule: 'source-maps', file: 'frontend/dist/assets/app.js.map', message: 'Source map … would publish the original source' }]
 */
export function findForbiddenFiles(path: string, policy: ForbidPolicy): Finding[] {
  const name = basename(path);
  const findings: Finding[] = [];
  if (policy.rules.has('source-maps') && name.endsWith('.map')) {
    findings.push({
      rule: 'source-maps',
      file: path,
      message: `Source map ${path} is in the deployable output: it would publish the original source. Build without source maps or remove them before deploying.`,
    });
  }
  const isEnvFile =
    name === '.env' || (name.startsWith('.env.') && !ENV_FILE_EXAMPLES.has(name)) || name.endsWith('.env');
  if (policy.rules.has('env-files') && isEnvFile) {
    findings.push({
      rule: 'env-files',
      file: path,
      message: `Environment file ${path} is in the deployable output: it may hold secrets and would be served to anyone. Remove it from the output and rotate what it held.`,
    });
  }
  for (const pattern of policy.files) {
    if (matcherFor(pattern)(path)) {
      findings.push({
        rule: 'file-pattern',
        file: path,
        message: `${path} matches the forbidden pattern '${pattern}'.`,
      });
    }
  }
  return findings;
}

interface ContentRule {
  rule: string;
  /** One of ours (fixed, safe to backtrack), or one of the user's (linear-time). */
  pattern: RegExp | ContentPattern;
  what: string;
  fix: string;
  /** Matches that are known to be harmless. */
  ignore?: RegExp;
}

/**
 * Findings inside a text file: private keys, AWS keys, inline source maps, any of the build's
 * secrets (at least {@link MIN_SECRET_LENGTH} characters) and the user's forbidden patterns.
 * Each kind is reported once per file, at its first line, with how many times it occurs; the
 * text found is never repeated.
 *
 * @example
 * findForbiddenContent('dist/app.js', `const k = "${accessKeyId}";`, defaultPolicy, []);
 * // [{ rule: 'aws-keys', file: 'dist/app.js', line: 1, message: 'An AWS access key id is in dist/app.js line 1 …' }]
 */
export function findForbiddenContent(
  path: string,
  text: string,
  policy: ForbidPolicy,
  buildSecrets: readonly string[],
): Finding[] {
  const rules: ContentRule[] = [];
  const rotate = 'Remove it from the build and rotate it.';
  if (policy.rules.has('private-keys')) {
    rules.push({ rule: 'private-keys', pattern: PRIVATE_KEY, what: 'A private key', fix: rotate });
  }
  if (policy.rules.has('aws-keys')) {
    const ignore = DOCUMENTATION_KEY;
    rules.push({
      rule: 'aws-keys',
      pattern: AWS_ACCESS_KEY_ID,
      what: 'An AWS access key id',
      fix: rotate,
      ignore,
    });
    rules.push({
      rule: 'aws-keys',
      pattern: AWS_SECRET_KEY,
      what: 'An AWS secret access key',
      fix: rotate,
      ignore,
    });
  }
  if (policy.rules.has('source-maps')) {
    rules.push({
      rule: 'source-maps',
      pattern: INLINE_SOURCE_MAP,
      what: 'An inline source map',
      fix: 'It publishes the original source; build without inline source maps.',
    });
  }
  if (policy.rules.has('build-secrets')) {
    for (const secret of buildSecrets) {
      if (secret.length < MIN_SECRET_LENGTH) continue;
      rules.push({
        rule: 'build-secrets',
        pattern: new RegExp(escapeRegExp(secret), 'g'),
        what: 'A secret from build-env',
        fix: 'The build inlined it into the output; read it at run time on the server instead, and rotate it.',
      });
    }
  }
  for (const pattern of policy.content) {
    rules.push({
      rule: 'content-pattern',
      pattern,
      what: `Text matching the forbidden pattern ${pattern.source}`,
      fix: '',
    });
  }
  const findings: Finding[] = [];
  for (const { rule, pattern, what, fix, ignore } of rules) {
    const starts =
      pattern instanceof RegExp
        ? [...text.matchAll(new RegExp(pattern.source, withGlobal(pattern.flags)))]
            .filter((m) => !ignore?.test(m[0]))
            .map((m) => m.index)
        : pattern.matchStarts(text);
    const first = starts[0];
    if (first === undefined) continue;
    const line = lineOf(text, first);
    const more = starts.length > 1 ? ` (${starts.length} times; first shown)` : '';
    findings.push({
      rule,
      file: path,
      line,
      message: `${what} is in ${path} line ${line}${more}. ${fix}`.trim(),
    });
  }
  return findings;
}

/**
 * True when a file looks like text (no NUL byte in its first 8 KiB), so worth scanning.
 *
 * @example
 * looksLikeText(Buffer.from('hello')); // true
 */
export function looksLikeText(content: Buffer): boolean {
  return !content.subarray(0, 8192).includes(0);
}

function withGlobal(flags: string): string {
  return flags.includes('g') ? flags : `${flags}g`;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
