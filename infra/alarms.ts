/**
 * CloudWatch alarms for a Strata deployment: errors and throttles of every function, 5xx of the HTTP API. Any
 * occurrence in a 5-minute window alarms: a failed segment search fails a query (DESIGN.md §4.5), a failed optimizer
 * run leaves the WAL growing, and a throttled worker means the pool or the account limit is too small. Missing data is
 * "not breaching" because an idle deployment emits no datapoints.
 *
 * Notifications are optional: with `email`, an SNS topic is created (TLS-only publishing) and the address subscribed.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface StrataAlarmsProps {
  /** Functions to watch, by a short name used in alarm descriptions (e.g. `api`, `worker-3`). */
  readonly functions: ReadonlyArray<{ readonly name: string; readonly fn: IFunction }>;
  /** The API's 5xx metric. */
  readonly apiServerErrors: IMetric;
  /**
   * Address that receives alarm notifications.
   * @default - no topic, alarms only change state
   */
  readonly email?: string;
  /**
   * Evaluation window of every alarm.
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;
}

export class StrataAlarms extends Construct {
  readonly alarms: readonly Alarm[];
  readonly topic?: ITopic;

  constructor(scope: Construct, id: string, props: StrataAlarmsProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const alarms: Alarm[] = [];
    const alarm = (alarmId: string, metric: IMetric, description: string): void => {
      alarms.push(
        new Alarm(this, alarmId, {
          metric,
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
          alarmDescription: description,
        }),
      );
    };

    for (const { name, fn } of props.functions) {
      alarm(`${name}Errors`, fn.metricErrors({ period, statistic: 'Sum' }), `Strata ${name}: invocation errors`);
      alarm(
        `${name}Throttles`,
        fn.metricThrottles({ period, statistic: 'Sum' }),
        `Strata ${name}: throttled invocations`,
      );
    }
    alarm('Api5xx', props.apiServerErrors, 'Strata HTTP API: 5xx responses');

    if (props.email !== undefined) {
      const topic = new Topic(this, 'Topic', { displayName: 'Strata alarms', enforceSSL: true });
      topic.addSubscription(new EmailSubscription(props.email));
      const action = new SnsAction(topic);
      for (const a of alarms) a.addAlarmAction(action);
      this.topic = topic;
    }
    this.alarms = alarms;
  }
}
