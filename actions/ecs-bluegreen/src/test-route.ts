/**
 * The test route: before any production weight, a rule on the production listener forwards only
 * requests that carry a per-deploy secret header to the new color's target group, so
 * verify-deployment can check green through the real load balancer while users still reach blue
 * only. The rule is this action's state in AWS like the rest: a rule matching on the header
 * `x-white-cross-test-route` alone and forwarding to one color is the test route to that color
 * (its header name marks it, its forward action names the color, its condition holds the
 * value), so a re-run finds and reuses it, promote and rollback remove it, and a deploy removes
 * any left over. It carries no tag: tagging a rule needs elasticloadbalancing:AddTags on the
 * listener-rule (also on creation), one more write permission for what the rule already says.
 *
 * Why a header rule rather than a second listener (CodeDeploy's test port): the rule lives on the
 * listener the action already controls, so it needs no new port open in the load balancer's
 * security group, no second certificate, and the test URL is the production URL itself. ALB
 * evaluates rules from the lowest priority value to the highest and the default rule last
 * (Elastic Load Balancing, "Listener rules for your Application Load Balancer"), so the lowest
 * free priority puts it before every other rule; an http-header condition matches only requests
 * that carry the header with that value (compared case-insensitively, `*` and `?` are wildcards:
 * the value is lowercase hex, so neither appears in it).
 */
import { randomBytes } from 'node:crypto';
import {
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeRulesCommand,
  type Rule,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { isAwsError } from '@white-cross/aws';
import type { BlueGreenAws } from './aws.js';
import { COLORS, OUTPUT, type Color } from './constants.js';
import type { BlueGreenRun } from './executor.js';
import type { ColorTargetGroups } from './traffic.js';

/** The header a request carries to take the test route. */
export const TEST_ROUTE_HEADER = 'x-white-cross-test-route';

export const TEST_ROUTE_SETTINGS = ['header', 'off'] as const;
export type TestRouteSetting = (typeof TEST_ROUTE_SETTINGS)[number];

/** A test route this action made: the rule, the color it forwards to and its header value. */
export interface TestRoute {
  arn: string;
  color: Color;
  headerValue: string;
}

/**
 * The listener a router is, or belongs to (a rule's ARN holds its listener's).
 *
 * @example
 * listenerOf('arn:aws:elasticloadbalancing:us-east-1:1:listener-rule/app/alb/1/2/3'); // '…:listener/app/alb/1/2'
 */
export function listenerOf(routerArn: string): string {
  return routerArn.replace(/:listener-rule\/(app\/[^/]+\/[^/]+\/[^/]+)\/[^/]+$/, ':listener/$1');
}

/**
 * The lowest rule priority (1 to 50000) no rule of the listener holds.
 *
 * @example
 * lowestFreePriority([1, 2, 10]); // 3
 */
export function lowestFreePriority(taken: readonly number[]): number {
  const used = new Set(taken);
  for (let p = 1; p <= 50_000; p++) if (!used.has(p)) return p;
  throw new Error('The listener has a rule at every priority from 1 to 50000.');
}

/**
 * Which rules are this action's test routes: matching on the test header alone, forwarding to
 * one color's target group only. The header name is the rule's mark (see the file comment).
 *
 * @example
 * testRoutesAmong(rules, targetGroups); // [{ arn, color: 'green', headerValue }]
 */
export function testRoutesAmong(rules: readonly Rule[], targetGroups: ColorTargetGroups): TestRoute[] {
  const found: TestRoute[] = [];
  for (const rule of rules) {
    if (!rule.RuleArn || rule.IsDefault) continue;
    const [condition, ...others] = rule.Conditions ?? [];
    const header = condition?.HttpHeaderConfig;
    const headerValue = header?.Values?.length === 1 ? header.Values[0] : undefined;
    if (
      others.length ||
      condition?.Field !== 'http-header' ||
      header?.HttpHeaderName?.toLowerCase() !== TEST_ROUTE_HEADER ||
      !headerValue
    )
      continue;
    const [action, ...more] = rule.Actions ?? [];
    const groups = action?.ForwardConfig?.TargetGroups ?? [];
    const forwardsTo =
      action?.TargetGroupArn ?? (groups.length === 1 ? groups[0]?.TargetGroupArn : undefined);
    const color = COLORS.find((c) => targetGroups[c] === forwardsTo);
    if (more.length || action?.Type !== 'forward' || !color) continue;
    found.push({ arn: rule.RuleArn, color, headerValue });
  }
  return found;
}

/** Every rule of a listener. */
async function readRules(aws: BlueGreenAws, listenerArn: string): Promise<Rule[]> {
  const rules: Rule[] = [];
  let marker: string | undefined;
  do {
    const out = await aws.withElb('DescribeRules', listenerArn, (elb) =>
      elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn, Marker: marker })),
    );
    rules.push(...(out.Rules ?? []));
    marker = out.NextMarker;
  } while (marker);
  return rules;
}

/** The test routes on the pair's listener (for the routing scan, which must not refuse them). */
export async function findTestRoutes(
  aws: BlueGreenAws,
  routerArn: string,
  targetGroups: ColorTargetGroups,
): Promise<TestRoute[]> {
  return testRoutesAmong(await readRules(aws, listenerOf(routerArn)), targetGroups);
}

/** The listener's URL: its protocol, the load balancer's DNS name and the listener's port. */
async function listenerUrl(aws: BlueGreenAws, listenerArn: string): Promise<string> {
  const listeners = await aws.withElb('DescribeListeners', listenerArn, (elb) =>
    elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] })),
  );
  const listener = listeners.Listeners?.[0];
  const lbArn = listener?.LoadBalancerArn ?? '';
  const lbs = await aws.withElb('DescribeLoadBalancers', lbArn, (elb) =>
    elb.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [lbArn] })),
  );
  const protocol = (listener?.Protocol ?? 'HTTPS').toLowerCase();
  return `${protocol}://${lbs.LoadBalancers?.[0]?.DNSName ?? ''}:${listener?.Port ?? 443}`;
}

/** Deletes test routes (a rule already gone counts as deleted, so a re-run goes on). */
async function deleteRoutes(run: BlueGreenRun, routes: readonly TestRoute[]): Promise<void> {
  for (const route of routes) {
    await run.change(() =>
      run.step(
        `Remove the test route to ${route.color}`,
        () =>
          run.aws
            .withElb('DeleteRule', route.arn, (elb) =>
              elb.send(new DeleteRuleCommand({ RuleArn: route.arn })),
            )
            .catch((error: unknown) => {
              if (!isAwsError(error, 'RuleNotFoundException', 'RuleNotFound')) throw error;
            }),
        () => route.arn.split('/').pop(),
      ),
    );
  }
}

/**
 * Gives `color` the test route (a re-run reuses the one it made), removes any other, and sets
 * the outputs `test-url` and `test-header` (`<name>: <value>`; the value is registered as a
 * secret, so no log line shows it).
 */
export async function openTestRoute(
  run: BlueGreenRun,
  color: Color,
  options: { reuse: boolean },
): Promise<TestRoute> {
  const listenerArn = listenerOf(run.inputs.router.arn);
  const rules = await readRules(run.aws, listenerArn);
  const ours = testRoutesAmong(rules, run.pair.targetGroups);
  // Reused only by a re-run of the same deploy (the color already ran this task definition).
  const kept = options.reuse ? ours.find((r) => r.color === color) : undefined;
  await deleteRoutes(
    run,
    ours.filter((r) => r !== kept),
  );
  let route = kept;
  if (route) run.ctx.log.info(`The test route to ${color} is already there; reusing it.`);
  let taken = rules.flatMap((r) => (r.Priority && r.Priority !== 'default' ? [Number(r.Priority)] : []));
  for (let attempt = 1; !route; attempt++) {
    const headerValue = randomBytes(16).toString('hex');
    const priority = lowestFreePriority(taken);
    try {
      const out = await run.change(() =>
        run.step(
          `Open the test route to ${color}`,
          () =>
            run.aws.withElb('CreateRule', listenerArn, (elb) =>
              elb.send(
                new CreateRuleCommand({
                  ListenerArn: listenerArn,
                  Priority: priority,
                  Conditions: [
                    {
                      Field: 'http-header',
                      HttpHeaderConfig: { HttpHeaderName: TEST_ROUTE_HEADER, Values: [headerValue] },
                    },
                  ],
                  Actions: [{ Type: 'forward', TargetGroupArn: run.pair.targetGroups[color] }],
                }),
              ),
            ),
          () => `rule at priority ${priority} on ${TEST_ROUTE_HEADER}`,
        ),
      );
      route = { arn: out.Rules?.[0]?.RuleArn ?? '', color, headerValue };
    } catch (error) {
      // Another change took the priority between the read and the create: read again.
      if (!isAwsError(error, 'PriorityInUseException', 'PriorityInUse') || attempt >= 3) throw error;
      taken = (await readRules(run.aws, listenerArn)).flatMap((r) =>
        r.Priority && r.Priority !== 'default' ? [Number(r.Priority)] : [],
      );
    }
  }
  run.ctx.setOutput(OUTPUT.testUrl, await listenerUrl(run.aws, listenerArn));
  // The value goes into the output file before it is registered as a secret (the redactor
  // would otherwise write it as ***); nothing is logged in between.
  run.ctx.setOutput(OUTPUT.testHeader, `${TEST_ROUTE_HEADER}: ${route.headerValue}`);
  run.ctx.addSecret(route.headerValue);
  run.report.notes.push(
    `Test route: requests with the header ${TEST_ROUTE_HEADER} (its value is a secret of this deploy) go to ${color} only; every other request still follows the weights.`,
  );
  return route;
}

/** Removes every test route on the pair's listener (promote, rollback, and a deploy without one). */
export async function closeTestRoutes(run: BlueGreenRun): Promise<void> {
  const routes = await findTestRoutes(run.aws, run.inputs.router.arn, run.pair.targetGroups);
  await deleteRoutes(run, routes);
}
