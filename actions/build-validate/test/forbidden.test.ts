import { describe, expect, it } from '@jest/globals';
import {
  BUILT_IN_RULES,
  findForbiddenContent,
  findForbiddenFiles,
  looksLikeText,
  type ForbidPolicy,
} from '../src/forbidden.js';
import { compileContentPattern, type ContentPattern } from '../src/content-patterns.js';

const all: ForbidPolicy = { rules: new Set(BUILT_IN_RULES), files: [], content: [] };
const only = (rule: (typeof BUILT_IN_RULES)[number]): ForbidPolicy => ({
  rules: new Set([rule]),
  files: [],
  content: [],
});
// Made-up keys of the real shape, assembled here so that no secret scanner takes this file for a leak.
const ACCESS_KEY_ID = ['AKIA', 'Z7Q4WJ2MXK5RT3VB'].join('');
const SECRET_ACCESS_KEY = ['kR8vTq2LmN5pXw', 'Z3yB7cD1eF4gH6jK9', 'sU0aVbWcX'].join('');

function pattern(source: string, flags: string): ContentPattern {
  const compiled = compileContentPattern(source, flags);
  if ('problem' in compiled) throw new Error(compiled.problem);
  return compiled;
}

describe('findForbiddenFiles', () => {
  it.each([
    ['dist/assets/app.js.map', 'source-maps'],
    ['dist/.env', 'env-files'],
    ['dist/.env.production', 'env-files'],
    ['dist/config/production.env', 'env-files'],
  ])('finds %s (%s)', (path, rule) => {
    expect(findForbiddenFiles(path, all).map((f) => [f.rule, f.file])).toEqual([[rule, path]]);
  });

  it.each([
    'dist/.env.example',
    'dist/.env.sample',
    'dist/assets/app.js',
    'dist/sitemap.xml',
    'dist/environment.json',
  ])('lets %s ship', (path) => {
    expect(findForbiddenFiles(path, all)).toEqual([]);
  });

  it('applies only the rules asked for, and the user globs', () => {
    const policy: ForbidPolicy = { rules: new Set(), files: ['**/*.psd'], content: [] };
    expect(findForbiddenFiles('dist/app.js.map', policy)).toEqual([]);
    expect(findForbiddenFiles('dist/img/logo.psd', policy)).toEqual([
      {
        rule: 'file-pattern',
        file: 'dist/img/logo.psd',
        message: "dist/img/logo.psd matches the forbidden pattern '**/*.psd'.",
      },
    ]);
  });
});

describe('findForbiddenContent', () => {
  it('finds an AWS access key id at its line without repeating it', () => {
    const text = `const a = 1;\nconst b = 2;\nconst key = "${ACCESS_KEY_ID}";\n`;
    const findings = findForbiddenContent('dist/app.js', text, only('aws-keys'), []);
    expect(findings).toEqual([
      {
        rule: 'aws-keys',
        file: 'dist/app.js',
        line: 3,
        message: 'An AWS access key id is in dist/app.js line 3. Remove it from the build and rotate it.',
      },
    ]);
  });

  it('finds a secret access key next to its name, and counts repeats', () => {
    const text = `aws_secret_access_key = ${SECRET_ACCESS_KEY}\nx\nAWS_SECRET_ACCESS_KEY: "${SECRET_ACCESS_KEY}"`;
    const [finding] = findForbiddenContent('dist/config.js', text, only('aws-keys'), []);
    expect(finding?.message).toBe(
      'An AWS secret access key is in dist/config.js line 1 (2 times; first shown). Remove it from the build and rotate it.',
    );
    expect(JSON.stringify(finding)).not.toContain(SECRET_ACCESS_KEY);
  });

  it('does not take a longer run of capitals for a key id', () => {
    expect(
      findForbiddenContent('dist/a.js', `x="X${ACCESS_KEY_ID}"; y="${ACCESS_KEY_ID}0"`, only('aws-keys'), []),
    ).toEqual([]);
  });

  it("lets AWS's documentation placeholders and base-64 runs through", () => {
    const documented = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
    const documentedSecret = ['wJalrXUtnFEMI/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('');
    const text = `// e.g. "${documented}" and aws_secret_access_key=${documentedSecret}\nconst wasm = "QfB${ACCESS_KEY_ID}Hd+0"; const b = "x/${ACCESS_KEY_ID}";`;
    expect(findForbiddenContent('dist/a.js', text, only('aws-keys'), [])).toEqual([]);
  });

  it('finds private keys of any kind', () => {
    for (const header of [
      '-----BEGIN PRIVATE KEY-----',
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----BEGIN OPENSSH PRIVATE KEY-----',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----',
    ]) {
      const findings = findForbiddenContent(
        'dist/k.txt',
        `hello\n${header}\nMIIE...\n`,
        only('private-keys'),
        [],
      );
      expect(findings.map((f) => [f.rule, f.line])).toEqual([['private-keys', 2]]);
    }
    expect(
      findForbiddenContent('dist/k.txt', '-----BEGIN PUBLIC KEY-----', only('private-keys'), []),
    ).toEqual([]);
  });

  it('finds inline source maps but not a reference to a map file', () => {
    const inline = 'x();\n//# sourceMappingURL=data:application/json;base64,eyJ2IjozfQ==';
    expect(findForbiddenContent('dist/a.js', inline, only('source-maps'), []).map((f) => f.line)).toEqual([
      2,
    ]);
    expect(
      findForbiddenContent('dist/a.js', 'x();\n//# sourceMappingURL=a.js.map', only('source-maps'), []),
    ).toEqual([]);
  });

  it('finds a build secret inlined into the output, without naming it', () => {
    const secret = 'sk_live_51Hd0nt.leak+me';
    const [finding] = findForbiddenContent(
      'dist/a.js',
      `fetch(u, {headers: {k: "${secret}"}})`,
      only('build-secrets'),
      [secret, 'short'],
    );
    expect(finding).toMatchObject({ rule: 'build-secrets', line: 1 });
    expect(finding?.message).not.toContain(secret);
    // Values shorter than 8 characters are too common to search for.
    expect(findForbiddenContent('dist/a.js', 'a short word', only('build-secrets'), ['short'])).toEqual([]);
  });

  it('applies the user content patterns', () => {
    const policy: ForbidPolicy = { rules: new Set(), files: [], content: [pattern('internal-only', 'i')] };
    expect(findForbiddenContent('dist/a.html', 'ok\n<!-- INTERNAL-ONLY -->', policy, [])).toEqual([
      {
        rule: 'content-pattern',
        file: 'dist/a.html',
        line: 2,
        message: 'Text matching the forbidden pattern internal-only is in dist/a.html line 2.',
      },
    ]);
  });

  it('matches a catastrophic pattern on a long file in linear time, with a clear result', () => {
    // `(a+)+$` on 'aaa…ab' takes a backtracking engine about 2^n steps; RE2 takes n.
    const text = `${'a'.repeat(100_000)}b\n`;
    const policy: ForbidPolicy = {
      rules: new Set(),
      files: [],
      content: [pattern('(a+)+$', ''), pattern('(a+)+b', '')],
    };
    expect(findForbiddenContent('dist/big.txt', text, policy, [])).toEqual([
      {
        rule: 'content-pattern',
        file: 'dist/big.txt',
        line: 1,
        message: 'Text matching the forbidden pattern (a+)+b is in dist/big.txt line 1.',
      },
    ]);
  });

  it('finds nothing when no rule is on', () => {
    const none: ForbidPolicy = { rules: new Set(), files: [], content: [] };
    expect(findForbiddenContent('dist/a.js', `"${ACCESS_KEY_ID}"`, none, [])).toEqual([]);
  });
});

describe('looksLikeText', () => {
  it('tells text from binary by a NUL byte', () => {
    expect(looksLikeText(Buffer.from('<!doctype html>'))).toBe(true);
    expect(looksLikeText(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]))).toBe(false);
  });
});
