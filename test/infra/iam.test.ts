import { beforeAll, describe, expect, it } from 'vitest';
import { Capture, Match, type Template } from 'aws-cdk-lib/assertions';
import {
  API,
  OPTIMIZER,
  WORKER,
  functionBy,
  onlyLogicalId,
  resourcesOf,
  roleOfFunction,
  statementsOfFunction,
  synthStrata,
  workerFunctions,
} from './synth.js';

let template: Template;
let bucketId: string;

beforeAll(() => {
  template = synthStrata().template;
  bucketId = onlyLogicalId(template, 'AWS::S3::Bucket', {
    Properties: { VersioningConfiguration: { Status: 'Enabled' } },
  });
});

const objects = (prefix = 'strata') => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${prefix}/*`]] });
const listing = (prefix = 'strata') => ({
  Sid: 'StrataList',
  Effect: 'Allow',
  Action: 's3:ListBucket',
  Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
  Condition: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
});
const ownLogs = (description: RegExp) => {
  const [, fn] = functionBy(template, description);
  return {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: { 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] },
  };
};

describe('api function role', () => {
  it('has exactly: own logs, read/write/delete objects under the prefix, list it, invoke workers and optimizer, read the key', () => {
    const [optimizerId] = functionBy(template, OPTIMIZER);
    const secretId = onlyLogicalId(template, 'AWS::SecretsManager::Secret');
    expect(statementsOfFunction(template, API)).toEqual([
      ownLogs(API),
      {
        Sid: 'StrataObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        Resource: objects(),
      },
      listing(),
      {
        Sid: 'InvokeWorkers',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: workerFunctions(template).map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] })),
      },
      {
        Sid: 'InvokeOptimizer',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [optimizerId, 'Arn'] },
      },
      { Sid: 'ReadApiKey', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } },
    ]);
  });

  it('invokes exactly the K workers of the pool (captured from the template)', () => {
    const t = synthStrata({ workers: 3 }).template;
    const invoked = new Capture();
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'InvokeWorkers', Resource: invoked })]) },
    });
    expect(invoked.asArray().map((r: any) => r['Fn::GetAtt'][0])).toEqual(workerFunctions(t).map(([id]) => id));
  });
});

describe('worker roles', () => {
  it('may only read objects under the prefix (and write their own logs)', () => {
    for (let index = 0; index < 8; index++) {
      expect(statementsOfFunction(template, WORKER(index))).toEqual([
        ownLogs(WORKER(index)),
        { Sid: 'StrataObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: objects() },
      ]);
    }
  });
});

describe('optimizer role', () => {
  it('may read, write and delete objects under the prefix and list it', () => {
    expect(statementsOfFunction(template, OPTIMIZER)).toEqual([
      ownLogs(OPTIMIZER),
      {
        Sid: 'StrataObjects',
        Effect: 'Allow',
        Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
        Resource: objects(),
      },
      listing(),
    ]);
  });
});

describe('all roles', () => {
  it('are assumable by Lambda only and carry no managed policies', () => {
    for (const description of [API, OPTIMIZER, WORKER(0)]) {
      const role = roleOfFunction(template, description);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
      ]);
    }
  });

  it('use no wildcard action and no "*" resource anywhere', () => {
    for (const [, policy] of resourcesOf(template, 'AWS::IAM::Policy')) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
        for (const resource of [statement.Resource].flat()) expect(resource).not.toBe('*');
      }
    }
  });

  it('follow the prefix from context', () => {
    const t = synthStrata({ prefix: 'tenants/acme', workers: 1 }).template;
    const bucket = onlyLogicalId(t, 'AWS::S3::Bucket', {
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    expect(statementsOfFunction(t, OPTIMIZER)).toContainEqual(
      expect.objectContaining({
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/tenants/acme/*']] },
      }),
    );
    expect(statementsOfFunction(t, OPTIMIZER)).toContainEqual(
      expect.objectContaining({ Condition: { StringLike: { 's3:prefix': ['tenants/acme/*'] } } }),
    );
  });

  it('grant the API key secret to the api function only', () => {
    const secretId = onlyLogicalId(template, 'AWS::SecretsManager::Secret');
    const readers = resourcesOf(template, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes(`"${secretId}"`),
    );
    expect(readers).toHaveLength(1);
    expect(statementsOfFunction(template, API)).toContainEqual(expect.objectContaining({ Sid: 'ReadApiKey' }));
    expect(template.findResources('AWS::SecretsManager::ResourcePolicy')).toEqual({});
  });
});
