import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { get } from 'node:https';
import { connect } from 'node:net';
import {
  makeCertificate,
  parseAnnotations,
  parseFileCommand,
  startAwsProxy,
  startHttpsServer,
  startMoto,
  startPostgres,
  throttling,
  type MotoServer,
} from '@white-cross/testkit';

describe('startMoto', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(() => moto.stop());

  it('serves the AWS APIs and forgets everything on reset', async () => {
    const put = await fetch(`${moto.url}/kit-bucket`, {
      method: 'PUT',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request' },
    });
    expect(put.status).toBe(200);
    const listed = await fetch(`${moto.url}/`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request' },
    });
    expect(await listed.text()).toContain('<Name>kit-bucket</Name>');
    await moto.reset();
    const after = await fetch(`${moto.url}/`, {
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request' },
    });
    expect(await after.text()).not.toContain('kit-bucket');
    expect(moto.env.AWS_ENDPOINT_URL).toBe(moto.url);
  });

  it('records requests and injects faults through the proxy', async () => {
    const proxy = await startAwsProxy(moto.url);
    try {
      proxy.addFault({ match: (r) => r.operation === 'GET /', times: 1, fault: throttling('s3') });
      const headers = {
        authorization: 'AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request',
      };
      const first = await fetch(`${proxy.url}/`, { headers });
      expect(first.status).toBe(503);
      expect(await first.text()).toContain('<Code>SlowDown</Code>');
      const second = await fetch(`${proxy.url}/`, { headers });
      expect(second.status).toBe(200);
      expect(proxy.requests.map((r) => [r.operation, r.fault])).toEqual([
        ['GET /', 'SlowDown'],
        ['GET /', undefined],
      ]);
      expect(proxy.count('GET /')).toBe(2);
    } finally {
      await proxy.stop();
    }
  });
});

describe('startPostgres', () => {
  it('starts PostgreSQL (15 or newer) on a free port with password authentication, even as root', async () => {
    const pg = await startPostgres({ password: 'kit-pw' });
    try {
      expect(Number(pg.psql('SHOW server_version_num'))).toBeGreaterThanOrEqual(150000);
      expect(pg.psql("SELECT current_setting('listen_addresses')")).toBe('127.0.0.1');
      expect(pg.url).toBe(`postgresql://postgres:kit-pw@127.0.0.1:${pg.port}/app`);
      const other = pg.createDatabase('second');
      expect(other.endsWith('/second')).toBe(true);
      expect(pg.psql('SELECT current_database()', 'second')).toBe('second');
    } finally {
      await pg.stop();
    }
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(pg.port, '127.0.0.1');
      socket.on('error', () => resolve(true));
      socket.on('connect', () => {
        socket.destroy();
        resolve(false);
      });
    });
    expect(refused).toBe(true);
  });
});

describe('certificates and HTTPS', () => {
  it('makes a valid certificate signed by its own CA and serves HTTPS with it', async () => {
    const certificate = makeCertificate({ keyBits: 2048, days: 90 });
    const x509 = new X509Certificate(certificate.cert);
    expect(x509.subject).toContain('CN=localhost');
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(x509.verify(new X509Certificate(certificate.ca).publicKey)).toBe(true);
    const server = await startHttpsServer(certificate, (_req, res) => {
      res.setHeader('strict-transport-security', 'max-age=31536000');
      res.end('ok');
    });
    try {
      const body = await new Promise<string>((resolve, reject) => {
        get(`${server.url}/`, { ca: certificate.ca }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject);
      });
      expect(body).toBe('ok');
    } finally {
      await server.stop();
    }
  });

  it('makes an already expired certificate when days is negative', () => {
    const certificate = makeCertificate({ days: -1 });
    const validTo = Date.parse(new X509Certificate(certificate.cert).validTo);
    expect(validTo).toBeLessThan(Date.now());
    expect(validTo).toBeGreaterThan(Date.now() - 3 * 86_400_000);
  });
});

describe('runner file formats', () => {
  it('reads heredoc and key=value file commands', () => {
    expect(parseFileCommand('a<<ghadelimiter_1\nline 1\nline 2\nghadelimiter_1\nb=two\n')).toEqual({
      a: 'line 1\nline 2',
      b: 'two',
    });
  });
  it('reads annotations with escaped properties and data', () => {
    expect(
      parseAnnotations(
        'plain\n::error file=a%2Cb.js,line=3,title=Over budget%3A x::50%25 over%0Anext\n::warning::careful',
      ),
    ).toEqual([
      {
        level: 'error',
        message: '50% over\nnext',
        properties: { file: 'a,b.js', line: '3', title: 'Over budget: x' },
      },
      { level: 'warning', message: 'careful', properties: {} },
    ]);
  });
});
