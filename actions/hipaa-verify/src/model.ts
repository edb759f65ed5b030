/**
 * The vocabulary of the HIPAA checklist: verdicts, the evidence each probe gathers, and the
 * shape of a check in the catalogue. Probes fill {@link Sources}; checks judge it (pure).
 */

/** A check's outcome. MANUAL: a person must confirm; SKIPPED: not applicable to the given inputs. */
export type Verdict = 'PASS' | 'FAIL' | 'WARN' | 'MANUAL' | 'SKIPPED';

export type CheckGroup = 'TLS' | 'ENC' | 'AUD' | 'ACC' | 'HDR' | 'BAK' | 'LOG' | 'DOC';

/** What a check concluded and what it saw. */
export interface Judgement {
  verdict: Verdict;
  /** What was seen, one line per resource or observation (no secrets, no PHI). */
  evidence: string[];
  /** The resource the verdict is about (hostname, ARN, bucket), for SARIF and the report. */
  resource?: string;
  /** A repository file the verdict is about (documents), for annotations and SARIF. */
  file?: string;
  line?: number;
}

/** Thresholds and the time, for judging. */
export interface JudgeContext {
  now: number;
}

/** One TLS endpoint's live probe. */
export interface TlsEvidence {
  endpoint: string;
  /** Whether a handshake forcing exactly that protocol version succeeded, with the error code if not. */
  protocols: Record<TlsVersion, { accepted: boolean; detail: string }>;
  certificate?: {
    subject: string;
    validTo: string;
    /** Whether the chain verified against the trust store, with the reason if not. */
    trusted: boolean;
    trustError?: string;
    keyType: 'RSA' | 'EC' | 'other';
    keyBits: number;
  };
  error?: string;
}

export type TlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

/** One HTTP answer as the checks need it. */
export interface HttpAnswer {
  url: string;
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  error?: string;
}

/** The kinds of credentials sent to a protected route that must all be refused. */
export type BadCredential = 'none' | 'invalid' | 'expired' | 'alg-none';

export interface HttpEvidence {
  /** Answers whose security headers are judged (frontend root and an API route). */
  pages: HttpAnswer[];
  /** Per protected route, the answer to each bad credential. */
  unauthenticated: { route: string; answers: Record<BadCredential, HttpAnswer> }[];
  /** Answers to protected routes with the given test token (PHI responses), if a token was given. */
  authenticated: HttpAnswer[];
  /** Role matrix rows with the status seen, when test credentials were given. */
  roleMatrix?: { role: string; method: string; route: string; expected: number; actual: number | string }[];
}

export interface AuditEvidence {
  status?: { answer: HttpAnswer; body?: unknown };
  maxAgeMs: number;
  /** The round trip: a marked read and whether the marker reached the audit log in time. */
  roundTrip?:
    | { marker: string; found: boolean; waitedMs: number; logGroup: string; error?: string }
    | { skipped: string };
}

export interface AlbEvidence {
  listenerArn: string;
  protocol: string;
  sslPolicy?: string;
  policyProtocols?: string[];
  /** Plain HTTP listeners on the same load balancer, with their default action. */
  httpListeners: { port: number; redirectsToHttps: boolean; action: string }[];
  accessLogs: { enabled: boolean; bucket?: string };
}

export interface CloudFrontEvidence {
  distributionId: string;
  viewerPolicies: { pathPattern: string; policy: string }[];
  customCertificate: boolean;
  minimumProtocolVersion?: string;
  origins: {
    id: string;
    domain: string;
    kind: 's3' | 'custom';
    originProtocolPolicy?: string;
    originAccessControlId?: string;
    originAccessIdentity?: string;
  }[];
  logging: { enabled: boolean; bucket?: string };
}

export interface RdsEvidence {
  identifier: string;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  publiclyAccessible: boolean;
  backupRetentionDays: number;
  latestRestorableTime?: string;
  deletionProtection: boolean;
  multiAz: boolean;
  /** `rds.force_ssl` in the instance's parameter group(s); undefined when not set there. */
  forceSsl?: string;
  parameterGroups: string[];
  snapshots: { id: string; type: string; encrypted: boolean; createdAt?: string }[];
}

export interface BucketEvidence {
  bucket: string;
  encryption?: { algorithm: string; kmsKeyId?: string };
  publicAccessBlock?: {
    blockPublicAcls: boolean;
    ignorePublicAcls: boolean;
    blockPublicPolicy: boolean;
    restrictPublicBuckets: boolean;
  };
  /**
   * The account-level Block Public Access, read only when the bucket's own is absent or
   * partial (S3 applies the most restrictive combination of the two).
   */
  accountPublicAccessBlock?: BucketEvidence['publicAccessBlock'];
  /** The bucket policy document, parsed; undefined when the bucket has none. */
  policy?: unknown;
  error?: string;
}

export interface LogGroupEvidence {
  name: string;
  found: boolean;
  retentionDays?: number;
  kmsKeyId?: string;
  /** True for the audit trail's log group. */
  audit: boolean;
}

export interface KeyEvidence {
  keyId: string;
  usedBy: string[];
  state?: string;
  manager?: string;
  rotationEnabled?: boolean;
  error?: string;
}

export interface TrailEvidence {
  name: string;
  multiRegion: boolean;
  logFileValidation: boolean;
  isLogging: boolean;
}

export interface EcsEvidence {
  cluster: string;
  services: { name: string; found: boolean; assignPublicIp?: string; taskDefinition?: string }[];
  /** Environment variables of container definitions that look like secrets (names only). */
  secretLikeEnvironment: { taskDefinition: string; container: string; variable: string; reason: string }[];
  taskDefinitions: string[];
}

export interface PhiFinding {
  kind: 'SYNTHETIC' | 'SSN' | 'MRN' | 'DOB' | 'EMAIL' | 'PHONE';
  logGroup: string;
  logStream: string;
  at: string;
  /** The line around the match with every PHI-like value replaced by its kind. */
  excerpt: string;
}

export interface LogScanEvidence {
  logGroups: string[];
  since: string;
  eventsScanned: number;
  truncated: boolean;
  syntheticValues: number;
  findings: PhiFinding[];
}

export interface DocumentEvidence {
  kind: 'emergency-access' | 'incident-response';
  path: string;
  present: boolean;
  reviewed?: string;
  reviewedLine?: number;
  problem?: string;
}

/** Everything the probes gather; a source is absent when its inputs were not given. */
export interface Sources {
  tls: TlsEvidence[];
  http: HttpEvidence;
  audit: AuditEvidence;
  alb: AlbEvidence;
  cloudfront: CloudFrontEvidence;
  rds: RdsEvidence;
  buckets: BucketEvidence[];
  logGroups: LogGroupEvidence[];
  keys: KeyEvidence[];
  trails: TrailEvidence[];
  ecs: EcsEvidence;
  logScan: LogScanEvidence;
  documents: DocumentEvidence[];
}

export type SourceName = keyof Sources;

/** One entry of the catalogue. `judge` is pure: evidence in, verdict out. */
export interface Check<S extends SourceName = SourceName> {
  id: string;
  title: string;
  /** The HIPAA Security Rule safeguard served, e.g. `§164.312(e)(1) Transmission security`. */
  safeguard: string;
  group: CheckGroup;
  /** How the evidence is gathered, for people. */
  probe: string;
  /** What to change when the check fails. */
  fix: string;
  source: S;
  judge(evidence: Sources[S], context: JudgeContext): Judgement;
}

/** A check's definition with its judgement, as reported. */
export interface CheckResult extends Judgement {
  id: string;
  title: string;
  safeguard: string;
  group: CheckGroup;
  probe: string;
  fix: string;
}

export const VERDICT_RANK: Record<Verdict, number> = { FAIL: 0, WARN: 1, MANUAL: 2, PASS: 3, SKIPPED: 4 };

/**
 * The worst of several verdicts (FAIL before WARN before MANUAL before PASS).
 *
 * @example
 * worst(['PASS', 'WARN', 'PASS']); // 'WARN'
 */
export function worst(verdicts: Verdict[]): Verdict {
  const judged = verdicts.filter((v) => v !== 'SKIPPED');
  if (judged.length === 0) return verdicts.length ? 'SKIPPED' : 'PASS';
  return judged.reduce((a, b) => (VERDICT_RANK[b] < VERDICT_RANK[a] ? b : a));
}

/**
 * Builds a judgement from per-item verdicts and evidence lines: the worst verdict, each line
 * prefixed with its own.
 *
 * @example
 * combine([{ verdict: 'PASS', line: 'a ok' }, { verdict: 'FAIL', line: 'b off' }]); // { verdict: 'FAIL', evidence: ['PASS: a ok', 'FAIL: b off'] }
 */
export function combine(items: { verdict: Verdict; line: string }[], resource?: string): Judgement {
  return {
    verdict: worst(items.map((i) => i.verdict)),
    evidence: items.map((i) => `${i.verdict}: ${i.line}`),
    resource,
  };
}

export const DAY_MS = 86_400_000;
