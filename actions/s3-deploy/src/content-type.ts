/**
 * The Content-Type of each file, from the maintained `mime` database, with a charset for text
 * (browsers otherwise guess, and a guessed charset on a script is a security smell).
 */
import mime from 'mime';

const TEXT_WITHOUT_TEXT_PREFIX = new Set([
  'application/json',
  'application/manifest+json',
  'application/xml',
  'image/svg+xml',
  'application/ld+json',
  'application/rss+xml',
  'application/atom+xml',
]);

/**
 * The Content-Type to store with a file; `application/octet-stream` when the extension is
 * unknown.
 *
 * @example
 * contentTypeFor('assets/index-BJx0f2Zk.js'); // 'text/javascript; charset=utf-8'
 * contentTypeFor('logo.png'); // 'image/png'
 */
export function contentTypeFor(path: string): string {
  const type = mime.getType(path) ?? 'application/octet-stream';
  return type.startsWith('text/') || TEXT_WITHOUT_TEXT_PREFIX.has(type) ? `${type}; charset=utf-8` : type;
}
