import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DataBucket } from '../../infra/data-bucket.js';
import { onlyLogicalId, synthStrata } from './synth.js';

let template: Template;
let dataId: string;
let logsId: string;

beforeAll(() => {
  template = synthStrata().template;
  dataId = onlyLogicalId(template, 'AWS::S3::Bucket', {
    Properties: { VersioningConfiguration: { Status: 'Enabled' } },
  });
  logsId = Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id !== dataId)!;
});

const bucket = (id: string) => template.toJSON().Resources[id];

describe('data bucket', () => {
  it('is encrypted with S3-managed keys', () => {
    expect(bucket(dataId).Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('blocks every kind of public access', () => {
    expect(bucket(dataId).Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
  });

  it('is versioned, with ACLs disabled', () => {
    expect(bucket(dataId).Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket(dataId).Properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
  });

  it('expires noncurrent versions, aborts incomplete multipart uploads and removes expired delete markers', () => {
    expect(bucket(dataId).Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Status: 'Enabled',
          NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        }),
        expect.objectContaining({ Status: 'Enabled', ExpiredObjectDeleteMarker: true }),
      ]),
    );
  });

  it('sends server access logs to the separate log bucket', () => {
    expect(bucket(dataId).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 'data-bucket/',
    });
  });

  it('is retained when the stack is deleted, by default', () => {
    expect(bucket(dataId).DeletionPolicy).toBe('Retain');
    expect(bucket(dataId).UpdateReplacePolicy).toBe('Retain');
    expect(bucket(logsId).DeletionPolicy).toBe('Retain');
  });

  it('can be switched to destroy through context', () => {
    const t = synthStrata({ removalPolicy: 'destroy', workers: 1 }).template;
    const buckets = Object.values(t.findResources('AWS::S3::Bucket'));
    expect(buckets.map((b) => b.DeletionPolicy)).toEqual(['Delete', 'Delete']);
  });
});

describe('TLS-only bucket policies', () => {
  for (const which of ['data', 'log'] as const) {
    it(`denies non-TLS requests and TLS below 1.2 on the ${which} bucket`, () => {
      const id = which === 'data' ? dataId : logsId;
      const policies = Object.values(
        template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: id } } }),
      );
      expect(policies).toHaveLength(1);
      const statements = policies[0].Properties.PolicyDocument.Statement;
      const bothArns = [{ 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] }];
      expect(statements).toEqual(
        expect.arrayContaining([
          {
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: bothArns,
          },
          {
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: bothArns,
          },
        ]),
      );
    });
  }

  it('lets only the S3 logging service write access logs, only from the data bucket', () => {
    const policy = template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logsId } } });
    const statements = Object.values(policy)[0].Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Action: 's3:PutObject',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Condition: {
        ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [dataId, 'Arn'] } },
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      },
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logsId, 'Arn'] }, '/data-bucket/*']] },
    });
  });
});

describe('log bucket', () => {
  it('is encrypted with SSE-S3 (the only encryption S3 access-log delivery supports) and private', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
        LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Status: 'Enabled' })] },
        VersioningConfiguration: Match.absent(),
      }),
    });
  });
});

describe('DataBucket outside this app', () => {
  it('grants access-log delivery by bucket policy without relying on cdk.json feature flags', () => {
    const stack = new Stack(new App(), 'Bare');
    new DataBucket(stack, 'Storage');
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' }),
        ]),
      },
    });
    t.resourcePropertiesCountIs('AWS::S3::Bucket', { AccessControl: Match.anyValue() }, 0);
  });
});
