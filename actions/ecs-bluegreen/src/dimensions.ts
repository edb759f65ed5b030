/**
 * The CloudWatch dimension values canary-gate reads for the ALB (AWS/ApplicationELB):
 * `LoadBalancer` is the part of the load balancer ARN after `loadbalancer/`, `TargetGroup` the
 * part of a target group ARN after the last `:`.
 */

const LOAD_BALANCER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:loadbalancer\/(app\/[\w-]+\/[0-9a-f]+)$/;
const LISTENER_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):listener\/(app\/[\w-]+\/[0-9a-f]+)\/[0-9a-f]+$/;
const RULE_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:([a-z0-9-]+):(\d{12}):listener-rule\/(app\/[\w-]+\/[0-9a-f]+)\/[0-9a-f]+\/[0-9a-f]+$/;
const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:(targetgroup\/[\w-]+\/[0-9a-f]+)$/;

/** True for an application load balancer listener ARN. */
export function isListenerArn(arn: string): boolean {
  return LISTENER_ARN.test(arn);
}

/** True for an application load balancer listener-rule ARN. */
export function isRuleArn(arn: string): boolean {
  return RULE_ARN.test(arn);
}

/** True for a target group ARN. */
export function isTargetGroupArn(arn: string): boolean {
  return TARGET_GROUP_ARN.test(arn);
}

/**
 * The `LoadBalancer` dimension of a load balancer, listener or rule ARN.
 *
 * @example
 * loadBalancerDimension('arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/school-health-alb/50dc6c495c0c9188/f2f7dc8efc522ab2');
 * // 'app/school-health-alb/50dc6c495c0c9188'
 */
export function loadBalancerDimension(arn: string): string {
  const loadBalancer = LOAD_BALANCER_ARN.exec(arn);
  if (loadBalancer?.[1]) return loadBalancer[1];
  const listener = LISTENER_ARN.exec(arn) ?? RULE_ARN.exec(arn);
  if (listener?.[3]) return listener[3];
  throw new Error(`not a load balancer, listener or rule ARN: ${arn}`);
}

/**
 * The `TargetGroup` dimension of a target group ARN.
 *
 * @example
 * targetGroupDimension('arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/school-health-green/73e2d6bc24d8a067');
 * // 'targetgroup/school-health-green/73e2d6bc24d8a067'
 */
export function targetGroupDimension(arn: string): string {
  const m = TARGET_GROUP_ARN.exec(arn);
  if (!m) throw new Error(`not a target group ARN: ${arn}`);
  return m[1] ?? '';
}

/** The region named in an ELBv2 ARN. */
export function arnRegion(arn: string): string | undefined {
  return arn.split(':')[3] || undefined;
}
