import { beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { API, OPTIMIZER, functionBy, onlyLogicalId, resourcesOf, synthStrata, workerFunctions } from './synth.js';

let template: Template;

beforeAll(() => {
  template = synthStrata().template;
});

describe('optimizer schedule', () => {
  it('runs the optimizer every 5 minutes through EventBridge, with retries', () => {
    const [optimizerId] = functionBy(template, OPTIMIZER);
    const rules = resourcesOf(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0];
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [optimizerId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 300 },
      }),
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [optimizerId, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  it('takes the period from context', () => {
    const t = synthStrata({ optimizerScheduleMinutes: '15', workers: 1 }).template;
    t.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
  });

  it('does not retry asynchronous invocations and drops stale ones after 15 minutes', () => {
    const [optimizerId] = functionBy(template, OPTIMIZER);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: optimizerId },
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 900,
    });
  });
});

describe('alarms', () => {
  const alarmOn = (t: Template, metric: string, functionId: string) =>
    resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) =>
        a.Properties.MetricName === metric &&
        a.Properties.Namespace === 'AWS/Lambda' &&
        JSON.stringify(a.Properties.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: { Ref: functionId } }]),
    );

  it('alarm on any error and any throttle of every function', () => {
    const ids = [
      functionBy(template, API)[0],
      functionBy(template, OPTIMIZER)[0],
      ...workerFunctions(template).map(([id]) => id),
    ];
    expect(ids).toHaveLength(10);
    for (const id of ids) {
      for (const metric of ['Errors', 'Throttles']) {
        const alarms = alarmOn(template, metric, id);
        expect(alarms, `${metric} alarm on ${id}`).toHaveLength(1);
        expect(alarms[0][1].Properties).toMatchObject({
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          EvaluationPeriods: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
    }
  });

  it('alarm on 5xx answers of the HTTP API', () => {
    const apiId = onlyLogicalId(template, 'AWS::ApiGatewayV2::Api');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(resourcesOf(template, 'AWS::CloudWatch::Alarm')).toHaveLength(2 * 10 + 1);
  });

  it('have no actions and no topic unless an alarm email is given', () => {
    expect(template.findResources('AWS::SNS::Topic')).toEqual({});
    for (const [, alarm] of resourcesOf(template, 'AWS::CloudWatch::Alarm'))
      expect(alarm.Properties.AlarmActions).toBeUndefined();
  });

  it('notify a TLS-only SNS topic with an email subscription when alarmEmail is set', () => {
    const t = synthStrata({ alarmEmail: 'ops@example.com', workers: 1 }).template;
    const topicId = onlyLogicalId(t, 'AWS::SNS::Topic');
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topicId },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    for (const [, alarm] of resourcesOf(t, 'AWS::CloudWatch::Alarm'))
      expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});
