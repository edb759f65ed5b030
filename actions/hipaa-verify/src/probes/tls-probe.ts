/**
 * Live TLS probe with node:tls: one handshake per protocol version, each forcing exactly that
 * version, and one handshake to read and verify the certificate.
 *
 * OpenSSL 3 (as in Node 24) refuses TLS 1.0/1.1 at its default security level on the client
 * side before any byte is sent (ERR_SSL_NO_PROTOCOLS_AVAILABLE), which would read as "the
 * server refused". The legacy attempts therefore use `DEFAULT@SECLEVEL=0`, so that what is
 * measured is the server's answer, not our own client's policy.
 */
import { checkServerIdentity, connect, type DetailedPeerCertificate, type SecureVersion } from 'node:tls';
import { isIP } from 'node:net';
import type { TlsEvidence, TlsVersion } from '../model.js';

const VERSIONS: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const LEGACY_CIPHERS = 'DEFAULT@SECLEVEL=0';

interface Handshake {
  ok: boolean;
  detail: string;
  certificate?: DetailedPeerCertificate;
  authorized?: boolean;
  authorizationError?: string;
}

function handshake(host: string, port: number, timeoutMs: number, version?: TlsVersion): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: isIP(host) ? undefined : host,
      rejectUnauthorized: false,
      ciphers: LEGACY_CIPHERS,
      ...(version ? { minVersion: version as SecureVersion, maxVersion: version as SecureVersion } : {}),
    });
    const done = (result: Handshake) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `no answer in ${timeoutMs} ms` }), timeoutMs);
    socket.once('secureConnect', () =>
      done({
        ok: true,
        detail: `${socket.getProtocol() ?? '?'} ${socket.getCipher()?.name ?? ''}`.trim(),
        certificate: socket.getPeerCertificate(true),
        authorized: socket.authorized,
        authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
      }),
    );
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done({ ok: false, detail: error.code ?? error.message }),
    );
  });
}

/** Probes one TLS endpoint (`host:port`). */
export async function probeTls(host: string, port: number, timeoutMs: number): Promise<TlsEvidence> {
  const endpoint = `${host}:${port}`;
  const protocols = {} as TlsEvidence['protocols'];
  for (const version of VERSIONS) {
    const h = await handshake(host, port, timeoutMs, version);
    protocols[version] = { accepted: h.ok, detail: h.detail };
  }
  const h = await handshake(host, port, timeoutMs);
  if (!h.ok || !h.certificate) {
    const unreachable = VERSIONS.every((v) =>
      /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|no answer/.test(protocols[v].detail),
    );
    return {
      endpoint,
      protocols,
      error: unreachable ? `cannot connect (${h.detail})` : `handshake failed (${h.detail})`,
    };
  }
  const cert = h.certificate;
  const identityError = checkServerIdentity(host, cert);
  const trusted = Boolean(h.authorized) && !identityError;
  const keyType = cert.modulus ? 'RSA' : cert.asn1Curve || cert.nistCurve ? 'EC' : 'other';
  return {
    endpoint,
    protocols,
    certificate: {
      subject: cert.subject?.CN ? `CN=${cert.subject.CN}` : 'unnamed certificate',
      validTo: new Date(cert.valid_to).toISOString(),
      trusted,
      trustError: trusted ? undefined : (h.authorizationError ?? identityError?.message),
      keyType,
      keyBits: cert.bits ?? 0,
    },
  };
}
