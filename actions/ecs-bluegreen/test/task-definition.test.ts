import { describe, expect, test } from '@jest/globals';
import {
  imageTag,
  isTaskDefinitionArn,
  parseTaskDefinitionArn,
  renderTaskDefinition,
  revisionsToDeregister,
  specDigest,
} from '../src/task-definition.js';

const described = JSON.stringify({
  taskDefinition: {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/api:7',
    family: 'api',
    revision: 7,
    status: 'ACTIVE',
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.docker-remote-api.1.18' }],
    registeredAt: '2026-11-01T00:00:00Z',
    registeredBy: 'arn:aws:sts::123456789012:assumed-role/deploy',
    containerDefinitions: [
      { name: 'api', image: 'repo/api:v1.3.0' },
      { name: 'log', image: 'fluent-bit:stable' },
    ],
  },
});

describe('renderTaskDefinition', () => {
  test('takes describe-task-definition output, drops read-only fields and sets the image on the named container', () => {
    expect(renderTaskDefinition(described, { image: 'repo/api:v1.4.0', containerName: 'api' })).toEqual({
      family: 'api',
      containerDefinitions: [
        { name: 'api', image: 'repo/api:v1.4.0' },
        { name: 'log', image: 'fluent-bit:stable' },
      ],
    });
  });

  test('with one container the name may be left out; without an image the file is used as it is', () => {
    const one = JSON.stringify({ family: 'api', containerDefinitions: [{ name: 'api', image: 'a' }] });
    expect(renderTaskDefinition(one, { image: 'b' }).containerDefinitions?.[0]?.image).toBe('b');
    expect(renderTaskDefinition(one, {}).containerDefinitions?.[0]?.image).toBe('a');
  });

  test('says what is wrong with a file', () => {
    expect(() => renderTaskDefinition('[]', {})).toThrow('must hold a JSON object');
    expect(() => renderTaskDefinition('{"family":"a b"}', {})).toThrow("has no valid 'family'");
    expect(() => renderTaskDefinition('{"family":"a"}', {})).toThrow("has no 'containerDefinitions'");
    expect(() => renderTaskDefinition(described, { image: 'x', containerName: 'web' })).toThrow(
      "has no container named 'web' (it has api, log)",
    );
  });
});

test('specDigest ignores key order and changes with the content', () => {
  const a = renderTaskDefinition(described, { image: 'repo/api:v1.4.0', containerName: 'api' });
  const reordered = { containerDefinitions: a.containerDefinitions, family: a.family };
  expect(specDigest(reordered)).toBe(specDigest(a));
  expect(
    specDigest(renderTaskDefinition(described, { image: 'repo/api:v1.4.1', containerName: 'api' })),
  ).not.toBe(specDigest(a));
});

test('imageTag', () => {
  expect(imageTag('123456789012.dkr.ecr.us-east-1.amazonaws.com/api:v1.4.0')).toBe('v1.4.0');
  expect(imageTag('localhost:5000/api')).toBeUndefined();
  expect(imageTag('api@sha256:abc')).toBeUndefined();
});

test('task definition ARNs', () => {
  expect(isTaskDefinitionArn('arn:aws:ecs:us-east-1:123456789012:task-definition/api:12')).toBe(true);
  expect(isTaskDefinitionArn('arn:aws:ecs:us-east-1:123456789012:task-definition/api')).toBe(false);
  expect(parseTaskDefinitionArn('arn:aws:ecs:us-east-1:123456789012:task-definition/api:12')).toEqual({
    family: 'api',
    revision: 12,
  });
});

test('revisionsToDeregister keeps the newest and those in use', () => {
  const arn = (n: number) => `arn:aws:ecs:us-east-1:123456789012:task-definition/api:${n}`;
  expect(revisionsToDeregister([arn(3), arn(1), arn(10), arn(2), arn(4)], 2, [arn(2)])).toEqual([
    arn(1),
    arn(3),
  ]);
  expect(revisionsToDeregister([arn(1)], 5, [])).toEqual([]);
});
