import { describe, expect, it } from '@jest/globals';
import { ConfigurationError } from '@white-cross/core';
import {
  IMMUTABLE_CACHE_CONTROL,
  cacheControlFor,
  isContentHashed,
  normaliseCacheControl,
  parseCacheRules,
} from '../src/cache-rules.js';
import { contentTypeFor } from '../src/content-type.js';

describe('isContentHashed', () => {
  it.each([
    ['assets/index-BJx0f2Zk.js', true],
    ['assets/index-C3d9eF0a.css', true],
    ['static/js/main.3f2a9c1b.js', true],
    ['static/js/main.3f2a9c1b.js.map', true],
    ['chunk-2d0abcde.js', true],
    ['assets/settings-panel.js', false],
    ['main-20240101.js', false],
    ['favicon.ico', false],
    ['robots.txt', false],
    ['app-BJx0f2Zk.html', false],
  ])('%s → %s', (path, hashed) => {
    expect(isContentHashed(path)).toBe(hashed);
  });
});

describe('parseCacheRules', () => {
  it('applies the first matching rule, then the defaults', () => {
    const rules = parseCacheRules([
      'assets/**/*.map: no-store',
      'fonts/**: public,max-age=604800',
      '**/*.txt: max-age=60',
    ]);
    expect(cacheControlFor('assets/index-BJx0f2Zk.js.map', rules)).toBe('no-store');
    expect(cacheControlFor('fonts/inter.woff2', rules)).toBe('public, max-age=604800');
    expect(cacheControlFor('robots.txt', rules)).toBe('max-age=60');
    expect(cacheControlFor('assets/index-BJx0f2Zk.js', rules)).toBe(IMMUTABLE_CACHE_CONTROL);
    expect(cacheControlFor('index.html', rules)).toBe('no-cache');
  });

  it('matches dotfiles', () => {
    const rules = parseCacheRules(['.well-known/**: max-age=3600']);
    expect(cacheControlFor('.well-known/security.txt', rules)).toBe('max-age=3600');
  });

  it.each([
    [
      'no colon here',
      "Input 'cache-control' rule 1 must be a 'glob: value' rule such as '**/*.html: no-cache'; got 'no colon here'.",
    ],
    [
      ': no-cache',
      "Input 'cache-control' rule 1 must be a 'glob: value' rule such as '**/*.html: no-cache'; got ': no-cache'.",
    ],
    [
      '**/*.js: max age 60',
      "Input 'cache-control' rule 1 has an invalid Cache-Control value 'max age 60': 'max age 60' is not a directive. Use directives such as 'no-cache' or 'public, max-age=600'.",
    ],
    [
      // A value that only looks valid: max-age takes delta-seconds (RFC 9111 §1.2.2, §5.2.2.1).
      '**/*.js: public, max-age=forever',
      "Input 'cache-control' rule 1 has an invalid Cache-Control value 'public, max-age=forever': 'max-age' takes a number of seconds such as max-age=600; got 'forever'. Use directives such as 'no-cache' or 'public, max-age=600'.",
    ],
    [
      '**/*.js: public, immutable=yes',
      "Input 'cache-control' rule 1 has an invalid Cache-Control value 'public, immutable=yes': 'immutable' takes no value; got 'immutable=yes'. Use directives such as 'no-cache' or 'public, max-age=600'.",
    ],
    [
      '**/*.js: max-agee=600',
      "Input 'cache-control' rule 1 has an invalid Cache-Control value 'max-agee=600': 'max-agee' is not a Cache-Control response directive. Use directives such as 'no-cache' or 'public, max-age=600'.",
    ],
    [
      '*.{js: no-cache',
      `Input 'cache-control' rule 1 has an invalid glob '*.{js': Missing closing: "}" - use "\\\\}" to match literal characters.`,
    ],
  ])('refuses %j', (line, message) => {
    expect(() => parseCacheRules([line])).toThrow(new ConfigurationError(message, 'cache-control'));
  });

  it('names the line that is wrong', () => {
    expect(() => parseCacheRules(['**/*.html: no-cache', 'assets/**: forever and ever'])).toThrow(
      /rule 2 has an invalid Cache-Control value/,
    );
  });
});

describe('normaliseCacheControl', () => {
  it('spaces directives and keeps quoted values', () => {
    expect(normaliseCacheControl('public,max-age=600')).toBe('public, max-age=600');
    expect(normaliseCacheControl('private="set-cookie", no-cache')).toBe('private="set-cookie", no-cache');
    expect(normaliseCacheControl('max-age=ten')).toBeUndefined();
    expect(normaliseCacheControl('public, max-age=31536000, immutable, stale-while-revalidate=60')).toBe(
      'public, max-age=31536000, immutable, stale-while-revalidate=60',
    );
    expect(normaliseCacheControl('max-age=')).toBeUndefined();
  });
});

describe('contentTypeFor', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8'],
    ['assets/index-BJx0f2Zk.js', 'text/javascript; charset=utf-8'],
    ['assets/index-C3d9eF0a.css', 'text/css; charset=utf-8'],
    ['manifest.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['logo.svg', 'image/svg+xml; charset=utf-8'],
    ['fonts/inter.woff2', 'font/woff2'],
    ['app.wasm', 'application/wasm'],
    ['LICENSE', 'application/octet-stream'],
  ])('%s → %s', (path, type) => {
    expect(contentTypeFor(path)).toBe(type);
  });
});
