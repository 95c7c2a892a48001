import { describe, expect, it } from 'vitest';
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { NAG_REASONS } from '../../infra/nag-suppressions.js';
import { synthStrata } from './synth.js';

const ACKNOWLEDGED = Validations.ACKNOWLEDGED_RULES_METADATA_KEY;

/** Acknowledgements recorded in the construct tree: rule id -> reasons. */
function acknowledgements(root: ReturnType<typeof synthStrata>['app']): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const c of root.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== ACKNOWLEDGED) continue;
      for (const [key, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        const id = key.replace(/^annotation::/i, '');
        if (!found.has(id)) found.set(id, new Set());
        found.get(id)!.add(typeof reason === 'string' ? reason : JSON.stringify(reason));
      }
    }
  }
  return found;
}

describe('cdk-nag AwsSolutions', () => {
  for (const context of [
    {},
    { alarmEmail: 'ops@example.com', workers: 2, prefix: 'a/b' },
    { endpoint: 'function-url', workers: 2 },
  ]) {
    it(`reports no unacknowledged finding (context ${JSON.stringify(context)})`, () => {
      const { app, stack, nag } = synthStrata(context);
      const report = nag.validateScope(app);
      const findings = report.violations.map(
        (v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );
      expect(findings).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    });
  }

  it('acknowledges only the expected rules, each with a written reason', () => {
    const { app } = synthStrata({ alarmEmail: 'ops@example.com', workers: 2 });
    const acks = acknowledgements(app);
    const rules = [...acks.keys()].map((id) => id.replace(/\[.*$/, '')).sort();
    expect([...new Set(rules)]).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
    ]);
    const iam5 = [...acks.keys()].filter((id) => id.startsWith('AwsSolutions-IAM5'));
    expect(iam5).toHaveLength(1);
    expect(iam5[0]).toMatch(/^AwsSolutions-IAM5\[Resource::<\w+\.Arn>\/strata\/\*\]$/);
    for (const [id, reasons] of acks) {
      for (const reason of reasons) expect(reason.length, id).toBeGreaterThan(80);
    }
    expect(Object.values(NAG_REASONS).every((r) => [...acks.values()].some((set) => set.has(r)))).toBe(true);
  });

  it('still catches a new wildcard: the acknowledgements are per finding, not per rule', () => {
    const { app, stack, nag } = synthStrata();
    stack.http.api.addToRolePolicy(
      new PolicyStatement({
        sid: 'Extra',
        effect: Effect.ALLOW,
        actions: ['s3:Get*'],
        resources: [stack.data.bucket.arnForObjects('*')],
      }),
    );
    const rules = nag.validateScope(app).violations.map((v) => v.ruleName);
    expect(rules).toContain('AwsSolutions-IAM5[Action::s3:Get*]');
    expect(rules.some((r) => r.startsWith('AwsSolutions-IAM5[Resource::'))).toBe(true);
  });
});
