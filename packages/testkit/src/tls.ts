/**
 * Certificates made by `openssl` and HTTPS servers with chosen TLS settings, for probes of
 * TLS versions, certificate validity and security headers against a real server.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export interface Certificate {
  /** PEM of the CA that signed the certificate (trust it to verify). */
  ca: string;
  cert: string;
  key: string;
  dir: string;
}

export interface CertificateOptions {
  commonName?: string;
  /** Subject alternative names; default localhost and 127.0.0.1. */
  altNames?: string[];
  keyBits?: number;
  /** Days of validity from now; a negative number makes an already expired certificate. */
  days?: number;
}

/**
 * Makes a CA and a server certificate it signed. `days: -1` gives a certificate that expired
 * yesterday (its validity window is moved into the past).
 */
export function makeCertificate(options: CertificateOptions = {}): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'wcd-tls-'));
  const cn = options.commonName ?? 'localhost';
  const alt = (options.altNames ?? ['localhost', '127.0.0.1'])
    .map((n) => (/^\d+\.\d+\.\d+\.\d+$/.test(n) ? `IP:${n}` : `DNS:${n}`))
    .join(',');
  const bits = String(options.keyBits ?? 2048);
  const days = options.days ?? 365;
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '3650',
    '-subj',
    '/CN=White Cross Test CA',
  ]);
  openssl([
    'req',
    '-newkey',
    `rsa:${bits}`,
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    `/CN=${cn}`,
  ]);
  const ext = join(dir, 'ext.cnf');
  execFileSync('bash', [
    '-c',
    `printf 'subjectAltName=${alt}\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature,keyEncipherment\\nextendedKeyUsage=serverAuth\\n' > "${ext}"`,
  ]);
  if (days > 0) {
    openssl([
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-extfile',
      ext,
      '-days',
      String(days),
    ]);
  } else {
    // `openssl x509` cannot back-date a certificate (no -not_before before OpenSSL 3.4), so an
    // expired one is issued through `openssl ca`, which takes explicit start and end dates.
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), '1000\n');
    writeFileSync(
      join(dir, 'ca.cnf'),
      '[ca]\ndefault_ca=test\n[test]\ndir=.\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\ndefault_md=sha256\npolicy=any\nunique_subject=no\n[any]\ncommonName=supplied\n',
    );
    openssl([
      'ca',
      '-batch',
      '-config',
      'ca.cnf',
      '-cert',
      'ca.pem',
      '-keyfile',
      'ca.key',
      '-in',
      'server.csr',
      '-out',
      'server.pem',
      '-notext',
      '-extfile',
      ext,
      '-startdate',
      offsetDate(days - 30),
      '-enddate',
      offsetDate(days),
    ]);
  }
  return {
    ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server.key'), 'utf8'),
    dir,
  };
}

// `openssl ca -startdate/-enddate` take YYYYMMDDHHMMSSZ.
function offsetDate(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
}

export interface HttpsServer {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

/**
 * Starts an HTTPS server on 127.0.0.1 with the given certificate and TLS options (e.g.
 * `minVersion: 'TLSv1'` to play a server that still accepts TLS 1.0).
 */
export async function startHttpsServer(
  certificate: Certificate,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tlsOptions: Partial<ServerOptions> = {},
): Promise<HttpsServer> {
  const port = await freePort();
  const server = createServer({ cert: certificate.cert, key: certificate.key, ...tlsOptions }, handler);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${port}`,
    port,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
