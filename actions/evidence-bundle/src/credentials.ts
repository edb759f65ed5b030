/**
 * What must never be locked away in WORM storage for years: credential files and registered
 * secrets. Pure: the files come in already read, the redaction is passed in.
 */
import type { EvidenceFile } from './bundle.js';

export interface CredentialFinding {
  /** The file, relative to the evidence folder (PHI in it is redacted by the caller's logger). */
  path: string;
  /** What was found, never the value itself. */
  what: string;
}

const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
const NPM_TOKEN = /(^|\n)\s*(?:\/\/[^\s=]*:)?_(?:authToken|auth|password)\s*=/;
const AWS_KEYS = /(^|\n)\s*aws_(?:secret_access_key|session_token)\s*=/i;

/**
 * The files that carry credentials: an `.npmrc` with a token or password, AWS shared
 * credentials, private keys, and any file holding a secret this run registered (found by
 * `redact`, the run's own redactor, changing the text where no mask was before).
 *
 * @example
 * findCredentials([{ path: 'job/.npmrc', content: Buffer.from('//registry.npmjs.org/:_authToken=x') }], (t) => t);
 * // [{ path: 'job/.npmrc', what: 'an npm registry token or password' }]
 */
export function findCredentials(
  files: readonly EvidenceFile[],
  redact: (text: string) => string,
): CredentialFinding[] {
  const found: CredentialFinding[] = [];
  for (const file of files) {
    const text = file.content.toString('utf8');
    const name = file.path.split('/').pop() ?? file.path;
    const what = PRIVATE_KEY.test(text)
      ? 'a private key'
      : name === '.npmrc' && NPM_TOKEN.test(text)
        ? 'an npm registry token or password'
        : AWS_KEYS.test(text) || /(^|\/)\.aws\/credentials$/.test(file.path)
          ? 'AWS credentials'
          : countMasks(redact(text)) > countMasks(text)
            ? 'a secret registered in this run'
            : undefined;
    if (what) found.push({ path: file.path, what });
  }
  return found;
}

const countMasks = (text: string) => text.split('***').length - 1;
