export const id = 243;
export const ids = [243];
export const modules = {

/***/ 1243:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  accountPublicAccessBlockReader: () => (/* binding */ accountPublicAccessBlockReader),
  findAuditMarker: () => (/* binding */ findAuditMarker),
  readAlb: () => (/* binding */ readAlb),
  readBucket: () => (/* binding */ readBucket),
  readCloudFront: () => (/* binding */ readCloudFront),
  readEcs: () => (/* binding */ readEcs),
  readKeys: () => (/* binding */ readKeys),
  readLogGroups: () => (/* binding */ readLogGroups),
  readRds: () => (/* binding */ readRds),
  readTrails: () => (/* binding */ readTrails),
  scanLogGroups: () => (/* binding */ scanLogGroups)
});

// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-cloudfront/dist-cjs/index.js
var dist_cjs = __webpack_require__(6765);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-cloudtrail/dist-cjs/index.js
var client_cloudtrail_dist_cjs = __webpack_require__(7004);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-cloudwatch-logs/dist-cjs/index.js
var client_cloudwatch_logs_dist_cjs = __webpack_require__(1107);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-ecs/dist-cjs/index.js
var client_ecs_dist_cjs = __webpack_require__(4224);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-elastic-load-balancing-v2/dist-cjs/index.js
var client_elastic_load_balancing_v2_dist_cjs = __webpack_require__(5710);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-kms/dist-cjs/index.js
var client_kms_dist_cjs = __webpack_require__(676);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-rds/dist-cjs/index.js
var client_rds_dist_cjs = __webpack_require__(7966);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-s3-control/dist-cjs/index.js
var client_s3_control_dist_cjs = __webpack_require__(3063);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-sts/dist-cjs/index.js
var client_sts_dist_cjs = __webpack_require__(2811);
// EXTERNAL MODULE: ../../node_modules/@aws-sdk/client-s3/dist-cjs/index.js
var client_s3_dist_cjs = __webpack_require__(8299);
// EXTERNAL MODULE: ../../packages/aws/src/index.ts + 1 modules
var src = __webpack_require__(2232);
// EXTERNAL MODULE: ./src/checks/access.ts
var access = __webpack_require__(9718);
// EXTERNAL MODULE: ../../packages/core/src/index.ts + 34 modules
var core_src = __webpack_require__(4948);
;// CONCATENATED MODULE: ./src/phi-scan.ts
/**
 * The PHI scanner for application log lines: exact matches of known synthetic values, and
 * the suite's one set of PHI patterns (`findPhi` in core, which the redactor of our own logs
 * uses too: SSNs with validity rules and context, MRNs, DOBs, emails, phones, PostgreSQL key
 * rows). Built to be quiet on the look-alikes logs are full of: an order number shaped like
 * an SSN is not an SSN.
 */

// Numbers the SSA never issued or that were published as examples (and so appear in test data).
const ADVERTISED_SSNS = new Set(['078051120', '219099999', '457555462', '123456789']);
/**
 * True when the nine digits could be an issued SSN: area not 000, 666 or 900-999; group not
 * 00; serial not 0000; not one of the numbers published as examples.
 *
 * @example
 * isValidSsn('536-22-1907'); // true
 * isValidSsn('987-65-4321'); // false (area 9xx is never issued)
 */
function isValidSsn(text) {
    return isPlausibleSsn(text) && !ADVERTISED_SSNS.has(text.replace(/\D/g, ''));
}
/**
 * Finds PHI in one log line. Synthetic values (the known test patients' identifiers) match
 * exactly, case-insensitively; overlapping pattern matches keep the first kind found.
 *
 * @example
 * scanLine('created student ssn=536-22-1907', []); // [{ kind: 'SSN', start: 23, end: 34 }]
 * scanLine('order 536-22-1907 shipped', []); // []
 */
function scanLine(line, syntheticValues) {
    const found = [];
    const lower = line.toLowerCase();
    for (const value of syntheticValues) {
        const needle = value.toLowerCase();
        if (!needle)
            continue;
        for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + needle.length)) {
            found.push({ kind: 'SYNTHETIC', start: i, end: i + needle.length });
        }
    }
    for (const p of (0,core_src/* findPhi */.F_)(line)) {
        if (!found.some((f) => p.start < f.end && f.start < p.end))
            found.push(p);
    }
    return found.sort((a, b) => a.start - b.start);
}
/**
 * The line around the first match, every match replaced by `[KIND]`, then passed through the
 * core PHI redaction as well; at most `width` characters each side.
 *
 * @example
 * redactedExcerpt('x ssn=536-22-1907 y', [{ kind: 'SSN', start: 6, end: 17 }]); // 'x ssn=[SSN] y'
 */
function redactedExcerpt(line, matches, width = 60) {
    const out = (0,core_src/* replaceSpans */.Gg)(line, matches, (kind) => `[${kind}]`);
    const first = out.indexOf('[');
    const from = Math.max(0, first - width);
    const excerpt = `${from > 0 ? '…' : ''}${out.slice(from, first + width + 10)}${first + width + 10 < out.length ? '…' : ''}`;
    return (0,core_src/* redactPhi */.Hq)(excerpt.replace(/\s+/g, ' ').trim());
}

;// CONCATENATED MODULE: ./src/probes/aws-probes.ts













/** One read through awsCall: the suite's retry, logged waits, one failure wording. */
function send(c, operation, resource, read) {
    return (0,src/* awsCall */.uF)({ operation, resource, leftAs: 'hipaa-verify changes nothing.' }, read, c.calls);
}
const iso = (d) => (d ? d.toISOString() : undefined);
/** The HTTPS listener, its SSL policy's protocols, the plain HTTP listeners beside it and the access-log attributes. */
async function readAlb(c, listenerArn) {
    const [listener] = (await send(c, 'DescribeListeners', listenerArn, () => c.elbv2.send(new client_elastic_load_balancing_v2_dist_cjs.DescribeListenersCommand({ ListenerArns: [listenerArn] })))).Listeners ?? [];
    if (!listener)
        throw new Error(`listener ${listenerArn} not found`);
    const all = (await send(c, 'DescribeListeners', listener.LoadBalancerArn ?? listenerArn, () => c.elbv2.send(new client_elastic_load_balancing_v2_dist_cjs.DescribeListenersCommand({ LoadBalancerArn: listener.LoadBalancerArn })))).Listeners ?? [];
    let policyProtocols;
    if (listener.SslPolicy) {
        const [policy] = (await send(c, 'DescribeSSLPolicies', String(listener.SslPolicy), () => c.elbv2.send(new client_elastic_load_balancing_v2_dist_cjs.DescribeSSLPoliciesCommand({ Names: [listener.SslPolicy] })))).SslPolicies ?? [];
        policyProtocols = policy?.SslProtocols;
    }
    const attributes = (await send(c, 'DescribeLoadBalancerAttributes', listener.LoadBalancerArn ?? listenerArn, () => c.elbv2.send(new client_elastic_load_balancing_v2_dist_cjs.DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: listener.LoadBalancerArn })))).Attributes ?? [];
    const attr = (key) => attributes.find((a) => a.Key === key)?.Value;
    return {
        listenerArn,
        protocol: listener.Protocol ?? '?',
        sslPolicy: listener.SslPolicy,
        policyProtocols,
        httpListeners: all
            .filter((l) => l.Protocol === 'HTTP')
            .map((l) => {
            const action = l.DefaultActions?.[0];
            return {
                port: l.Port ?? 0,
                redirectsToHttps: action?.Type === 'redirect' && action.RedirectConfig?.Protocol === 'HTTPS',
                action: action?.Type ?? 'none',
            };
        }),
        accessLogs: {
            enabled: attr('access_logs.s3.enabled') === 'true',
            bucket: attr('access_logs.s3.bucket') || undefined,
        },
    };
}
/** Viewer policies, certificate and minimum protocol, origins and logging of one distribution. */
async function readCloudFront(c, distributionId) {
    const config = (await send(c, 'GetDistributionConfig', distributionId, () => c.cloudfront.send(new dist_cjs.GetDistributionConfigCommand({ Id: distributionId })))).DistributionConfig;
    if (!config)
        throw new Error(`distribution ${distributionId} has no configuration`);
    const vc = config.ViewerCertificate ?? {};
    return {
        distributionId,
        viewerPolicies: [
            { pathPattern: 'default (*)', policy: config.DefaultCacheBehavior?.ViewerProtocolPolicy ?? '?' },
            ...(config.CacheBehaviors?.Items ?? []).map((b) => ({
                pathPattern: b.PathPattern ?? '?',
                policy: b.ViewerProtocolPolicy ?? '?',
            })),
        ],
        customCertificate: Boolean(vc.ACMCertificateArn || vc.IAMCertificateId),
        minimumProtocolVersion: vc.MinimumProtocolVersion,
        origins: (config.Origins?.Items ?? []).map((o) => {
            const s3 = !o.CustomOriginConfig && /\.s3[.-]([\w-]+\.)?amazonaws\.com$/.test(o.DomainName ?? '');
            return {
                id: o.Id ?? '?',
                domain: o.DomainName ?? '?',
                kind: s3 || o.S3OriginConfig ? 's3' : 'custom',
                originProtocolPolicy: o.CustomOriginConfig?.OriginProtocolPolicy,
                originAccessControlId: o.OriginAccessControlId || undefined,
                originAccessIdentity: o.S3OriginConfig?.OriginAccessIdentity || undefined,
            };
        }),
        logging: { enabled: Boolean(config.Logging?.Enabled), bucket: config.Logging?.Bucket || undefined },
    };
}
/** `rds.force_ssl` of one (instance or cluster) parameter group; undefined when not set. */
async function forceSslIn(c, group, page) {
    let marker;
    do {
        const answer = await page(marker);
        const p = answer.Parameters?.find((x) => x.ParameterName === 'rds.force_ssl');
        if (p?.ParameterValue !== undefined)
            return p.ParameterValue;
        marker = answer.Marker;
    } while (marker);
    return undefined;
}
/**
 * The instance's settings, `rds.force_ssl` from its parameter groups, and its snapshots. For an
 * Aurora instance (one with a DBClusterIdentifier) `rds.force_ssl` is a cluster parameter: it is
 * read from the cluster's DB cluster parameter group, which is what Aurora applies (Aurora User
 * Guide, "Security with Amazon Aurora PostgreSQL", requiring SSL/TLS).
 */
async function readRds(c, identifier) {
    const [db] = (await send(c, 'DescribeDBInstances', identifier, () => c.rds.send(new client_rds_dist_cjs.DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })))).DBInstances ?? [];
    if (!db)
        throw new Error(`DB instance ${identifier} not found`);
    const parameterGroups = [];
    let forceSsl;
    const cluster = db.DBClusterIdentifier;
    if (cluster) {
        const [described] = (await send(c, 'DescribeDBClusters', cluster, () => c.rds.send(new client_rds_dist_cjs.DescribeDBClustersCommand({ DBClusterIdentifier: cluster })))).DBClusters ?? [];
        const group = described?.DBClusterParameterGroup;
        if (!group)
            throw new Error(`Aurora cluster ${cluster} of ${identifier} has no DB cluster parameter group`);
        parameterGroups.push(`DB cluster parameter group ${group}`);
        forceSsl = await forceSslIn(c, group, (marker) => send(c, 'DescribeDBClusterParameters', group, () => c.rds.send(new client_rds_dist_cjs.DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: group, Marker: marker }))));
    }
    else {
        for (const group of (db.DBParameterGroups ?? []).map((g) => g.DBParameterGroupName ?? '?')) {
            parameterGroups.push(group);
            forceSsl =
                (await forceSslIn(c, group, (marker) => send(c, 'DescribeDBParameters', group, () => c.rds.send(new client_rds_dist_cjs.DescribeDBParametersCommand({ DBParameterGroupName: group, Marker: marker }))))) ?? forceSsl;
        }
    }
    const snapshots = [];
    let marker;
    do {
        const page = await send(c, 'DescribeDBSnapshots', identifier, () => c.rds.send(new client_rds_dist_cjs.DescribeDBSnapshotsCommand({ DBInstanceIdentifier: identifier, Marker: marker })));
        for (const s of page.DBSnapshots ?? []) {
            snapshots.push({
                id: s.DBSnapshotIdentifier ?? '?',
                type: s.SnapshotType ?? '?',
                encrypted: Boolean(s.Encrypted),
                createdAt: iso(s.SnapshotCreateTime),
            });
        }
        marker = page.Marker;
    } while (marker);
    return {
        identifier,
        storageEncrypted: Boolean(db.StorageEncrypted),
        kmsKeyId: db.KmsKeyId,
        publiclyAccessible: Boolean(db.PubliclyAccessible),
        backupRetentionDays: db.BackupRetentionPeriod ?? 0,
        latestRestorableTime: iso(db.LatestRestorableTime),
        deletionProtection: Boolean(db.DeletionProtection),
        multiAz: Boolean(db.MultiAZ),
        forceSsl,
        parameterGroups,
        snapshots,
    };
}
/** Runs a Get that answers a "not configured" error when the setting is absent. */
async function optional(c, operation, resource, read, absent) {
    try {
        return await send(c, operation, resource, read);
    }
    catch (error) {
        if ((0,src/* isAwsError */.m_)(error, ...absent))
            return undefined;
        throw error;
    }
}
const publicAccessBlockOf = (p) => ({
    blockPublicAcls: Boolean(p.BlockPublicAcls),
    ignorePublicAcls: Boolean(p.IgnorePublicAcls),
    blockPublicPolicy: Boolean(p.BlockPublicPolicy),
    restrictPublicBuckets: Boolean(p.RestrictPublicBuckets),
});
const complete = (p) => Boolean(p && Object.values(p).every(Boolean));
/**
 * The account's own Block Public Access (S3 Control GetPublicAccessBlock, for the account of the
 * credentials from STS GetCallerIdentity); undefined when the account has none. Read once per
 * run, and only when some bucket's own setting is absent or partial.
 */
function accountPublicAccessBlockReader(c) {
    let answer;
    return () => (answer ??= (async () => {
        const account = (await send(c, 'GetCallerIdentity', 'the credentials', () => c.sts.send(new client_sts_dist_cjs.GetCallerIdentityCommand({})))).Account;
        if (!account)
            throw new Error('STS GetCallerIdentity answered no account id');
        const out = await optional(c, 'GetPublicAccessBlock (account)', `account ${account}`, () => c.s3control.send(new client_s3_control_dist_cjs.GetPublicAccessBlockCommand({ AccountId: account })), ['NoSuchPublicAccessBlockConfiguration']);
        const p = out?.PublicAccessBlockConfiguration;
        return p ? publicAccessBlockOf(p) : undefined;
    })());
}
/**
 * Default encryption, public access block and policy; a bucket that cannot be read carries the
 * error. S3 applies the most restrictive combination of the bucket's and the account's Block
 * Public Access, so a bucket whose own setting is absent or partial is also judged with the
 * account's (`accountPublicAccessBlock`, from {@link accountPublicAccessBlockReader}).
 */
async function readBucket(c, bucket, accountPublicAccessBlock = accountPublicAccessBlockReader(c)) {
    try {
        const enc = await optional(c, 'GetBucketEncryption', `s3://${bucket}`, () => c.s3.send(new client_s3_dist_cjs.GetBucketEncryptionCommand({ Bucket: bucket })), ['ServerSideEncryptionConfigurationNotFoundError']);
        const rule = enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
        const pab = await optional(c, 'GetPublicAccessBlock', `s3://${bucket}`, () => c.s3.send(new client_s3_dist_cjs.GetPublicAccessBlockCommand({ Bucket: bucket })), ['NoSuchPublicAccessBlockConfiguration']);
        const p = pab?.PublicAccessBlockConfiguration;
        const own = p ? publicAccessBlockOf(p) : undefined;
        const account = complete(own) ? undefined : await accountPublicAccessBlock();
        const policy = await optional(c, 'GetBucketPolicy', `s3://${bucket}`, () => c.s3.send(new client_s3_dist_cjs.GetBucketPolicyCommand({ Bucket: bucket })), ['NoSuchBucketPolicy']);
        return {
            bucket,
            encryption: rule ? { algorithm: rule.SSEAlgorithm ?? '?', kmsKeyId: rule.KMSMasterKeyID } : undefined,
            publicAccessBlock: own,
            ...(account ? { accountPublicAccessBlock: account } : {}),
            policy: policy?.Policy ? JSON.parse(policy.Policy) : undefined,
        };
    }
    catch (error) {
        return { bucket, error: `could not read: ${(0,src/* awsErrorText */.xL)(error)}` };
    }
}
/** Retention and KMS key of each named log group (and the audit log group). */
async function readLogGroups(c, names, auditGroup) {
    const all = [...new Set([...names, ...(auditGroup ? [auditGroup] : [])])];
    const out = [];
    for (const name of all) {
        const groups = (await send(c, 'DescribeLogGroups', name, () => c.logs.send(new client_cloudwatch_logs_dist_cjs.DescribeLogGroupsCommand({ logGroupNamePrefix: name })))).logGroups ?? [];
        const g = groups.find((x) => x.logGroupName === name);
        out.push({
            name,
            found: Boolean(g),
            retentionDays: g?.retentionInDays,
            kmsKeyId: g?.kmsKeyId,
            audit: name === auditGroup,
        });
    }
    return out;
}
/** State, manager and rotation of each KMS key, with what uses it. */
async function readKeys(c, usage) {
    const out = [];
    for (const [keyId, usedBy] of usage) {
        try {
            const meta = (await send(c, 'DescribeKey', keyId, () => c.kms.send(new client_kms_dist_cjs.DescribeKeyCommand({ KeyId: keyId })))).KeyMetadata;
            let rotationEnabled;
            if (meta?.KeyManager === 'CUSTOMER') {
                rotationEnabled = Boolean((await send(c, 'GetKeyRotationStatus', meta.Arn ?? keyId, () => c.kms.send(new client_kms_dist_cjs.GetKeyRotationStatusCommand({ KeyId: meta.Arn ?? keyId })))).KeyRotationEnabled);
            }
            out.push({ keyId, usedBy, state: meta?.KeyState, manager: meta?.KeyManager, rotationEnabled });
        }
        catch (error) {
            out.push({ keyId, usedBy, error: (0,src/* awsErrorText */.xL)(error) });
        }
    }
    return out;
}
/** Every trail visible from the region, with whether it is logging. */
async function readTrails(c) {
    const trails = (await send(c, 'DescribeTrails', 'the trails of the region', () => c.cloudtrail.send(new client_cloudtrail_dist_cjs.DescribeTrailsCommand({ includeShadowTrails: true })))).trailList ?? [];
    const out = [];
    for (const t of trails) {
        const status = await send(c, 'GetTrailStatus', t.TrailARN ?? t.Name ?? '?', () => c.cloudtrail.send(new client_cloudtrail_dist_cjs.GetTrailStatusCommand({ Name: t.TrailARN ?? t.Name })));
        out.push({
            name: t.Name ?? '?',
            multiRegion: Boolean(t.IsMultiRegionTrail),
            logFileValidation: Boolean(t.LogFileValidationEnabled),
            isLogging: Boolean(status.IsLogging),
        });
    }
    return out;
}
/** Network configuration of the services and the secret-like environment variables (names only) of their task definitions. */
async function readEcs(c, cluster, serviceNames) {
    const services = [];
    for (let i = 0; i < serviceNames.length; i += 10) {
        const names = serviceNames.slice(i, i + 10);
        const answer = await send(c, 'DescribeServices', cluster, () => c.ecs.send(new client_ecs_dist_cjs.DescribeServicesCommand({ cluster, services: names })));
        for (const name of names) {
            const s = answer.services?.find((x) => x.serviceName === name && x.status !== 'INACTIVE');
            services.push({
                name,
                found: Boolean(s),
                assignPublicIp: s?.networkConfiguration?.awsvpcConfiguration?.assignPublicIp,
                taskDefinition: s?.taskDefinition,
            });
        }
    }
    const taskDefinitions = [
        ...new Set(services.map((s) => s.taskDefinition).filter((t) => Boolean(t))),
    ];
    const secretLikeEnvironment = [];
    for (const arn of taskDefinitions) {
        const td = (await send(c, 'DescribeTaskDefinition', arn, () => c.ecs.send(new client_ecs_dist_cjs.DescribeTaskDefinitionCommand({ taskDefinition: arn })))).taskDefinition;
        const label = td?.family && td.revision ? `${td.family}:${td.revision}` : arn;
        for (const container of td?.containerDefinitions ?? []) {
            for (const variable of container.environment ?? []) {
                const reason = (0,access/* secretLikeReason */.Ii)(variable.name ?? '', variable.value ?? '');
                if (reason)
                    secretLikeEnvironment.push({
                        taskDefinition: label,
                        container: container.name ?? '?',
                        variable: variable.name ?? '?',
                        reason,
                    });
            }
        }
    }
    return { cluster, services, taskDefinitions, secretLikeEnvironment };
}
/** Reads log events since `startTime` and scans each; stops at `maxEvents` in all. */
async function scanLogGroups(c, groups, options) {
    const findings = [];
    let eventsScanned = 0;
    let truncated = false;
    for (const group of groups) {
        let nextToken;
        do {
            const page = await send(c, 'FilterLogEvents', group, () => c.logs.send(new client_cloudwatch_logs_dist_cjs.FilterLogEventsCommand({
                logGroupName: group,
                startTime: options.startTime,
                nextToken,
                limit: 10_000,
            })));
            for (const event of page.events ?? []) {
                if (eventsScanned >= options.maxEvents) {
                    truncated = true;
                    break;
                }
                eventsScanned++;
                const message = event.message ?? '';
                const matches = scanLine(message, options.syntheticValues);
                const kinds = new Set(matches.map((m) => m.kind));
                for (const kind of kinds) {
                    findings.push({
                        kind,
                        logGroup: group,
                        logStream: event.logStreamName ?? '?',
                        at: new Date(event.timestamp ?? 0).toISOString(),
                        excerpt: redactedExcerpt(message, matches),
                    });
                }
            }
            options.onProgress?.(eventsScanned, group);
            nextToken = truncated ? undefined : page.nextToken;
        } while (nextToken);
        if (truncated)
            break;
    }
    return { eventsScanned, truncated, findings };
}
/**
 * Polls the audit log group until an event carries `marker`, or `waitMs` passes. Each poll
 * reads every page: FilterLogEvents may answer a page with no events and a nextToken while it
 * searches on ("This operation can return empty results while there are more log events
 * available through the token", https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html),
 * so an empty page is not "not there yet".
 */
async function findAuditMarker(c, logGroup, marker, since, waitMs, clock, sleep, onWait) {
    const started = clock.now();
    for (;;) {
        let nextToken;
        let found;
        do {
            const page = await send(c, 'FilterLogEvents', logGroup, () => c.logs.send(new client_cloudwatch_logs_dist_cjs.FilterLogEventsCommand({
                logGroupName: logGroup,
                startTime: since,
                filterPattern: `"${marker}"`,
                nextToken,
            })));
            found = (page.events ?? []).some((e) => e.message?.includes(marker));
            nextToken = page.nextToken;
        } while (!found && nextToken);
        const waitedMs = clock.now() - started;
        if (found)
            return { found: true, waitedMs };
        if (waitedMs >= waitMs)
            return { found: false, waitedMs };
        onWait(waitedMs);
        await sleep(Math.min(2000, waitMs - waitedMs));
    }
}


/***/ })

};
