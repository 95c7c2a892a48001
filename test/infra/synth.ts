/**
 * Builds the Strata stack the way `cdk synth` does (cdk.json's context and feature flags, cdk-nag's AwsSolutions
 * plugin) but with bundling skipped, and offers lookups by meaning (a function's description, a role's function) so
 * tests never name a hashed logical id.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PROJECT_ROOT } from '../../infra/strata-function.js';
import { StrataStack } from '../../infra/strata-stack.js';

const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as {
  app: string;
  context: Record<string, unknown>;
};

export const CDK_JSON = cdkJson;

export interface Synthesized {
  app: App;
  stack: StrataStack;
  template: Template;
  nag: AwsSolutionsChecks;
}

export function synthStrata(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context },
  });
  const nag = new AwsSolutionsChecks(app);
  Validations.of(app).addPlugins(nag);
  const stack = new StrataStack(app, 'Strata');
  const template = Template.fromStack(stack);
  return { app, stack, template, nag };
}

type Resource = { Type: string; Properties: Record<string, any> };

export function resourcesOf(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.findResources(type)) as Array<[string, Resource]>;
}

/** Logical id and properties of the one function whose description matches. */
export function functionBy(template: Template, description: RegExp): [string, Resource] {
  const found = resourcesOf(template, 'AWS::Lambda::Function').filter(([, r]) =>
    description.test(r.Properties.Description ?? ''),
  );
  if (found.length !== 1) throw new Error(`expected one function matching ${description}, found ${found.length}`);
  return found[0];
}

export function workerFunctions(template: Template): Array<[string, Resource]> {
  return resourcesOf(template, 'AWS::Lambda::Function')
    .filter(([, r]) => /segment search/.test(r.Properties.Description ?? ''))
    .sort(([, a], [, b]) => workerIndexOf(a) - workerIndexOf(b));
}

/** A worker's index, from its description `Strata segment search, worker i of K`. */
export function workerIndexOf(fn: Resource): number {
  const m = /worker (\d+) of \d+/.exec(fn.Properties.Description ?? '');
  if (!m) throw new Error(`not a worker: ${fn.Properties.Description}`);
  return Number(m[1]);
}

/** Every statement of every inline policy attached to the function's execution role. */
export function statementsOfFunction(template: Template, description: RegExp): any[] {
  const [, fn] = functionBy(template, description);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return resourcesOf(template, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as any[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as any[]);
}

export function roleOfFunction(template: Template, description: RegExp): Resource {
  const [, fn] = functionBy(template, description);
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  return template.toJSON().Resources[roleId] as Resource;
}

/** Logical id of the one resource of `type` (e.g. the data bucket is found by its versioning). */
export function onlyLogicalId(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, props));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0];
}

export const API = /^Strata API/;
export const OPTIMIZER = /^Strata optimizer/;
export const WORKER = (index: number) => new RegExp(`^Strata segment search, worker ${index} of `);
