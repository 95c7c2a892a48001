/**
 * Every cdk-nag (AwsSolutions) finding this stack accepts, each with the reason it is accepted. Acknowledgements are
 * attached to the narrowest construct that owns the finding, and IAM5 is acknowledged per finding (the exact resource
 * string), never for a whole rule, so a new wildcard anywhere still fails the synth.
 */
import { Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { StrataFunction } from './strata-function.js';
import type { StrataStack } from './strata-stack.js';

export const NAG_REASONS = {
  runtimePin:
    'nodejs22.x is the runtime Strata is built and tested for (esbuild target node22); moving to a newer Node runtime is ' +
    'a deliberate change made together with the CI Node version, not an automatic one.',
  prefixObjects:
    'Object-level actions must name object keys; Strata owns every key under its prefix (DESIGN.md §3: manifests, WAL ' +
    'objects and segments whose ids are generated at run time), so the resource is the prefix wildcard of this one ' +
    'bucket. Actions are listed exactly (no action wildcards).',
  secretRotation:
    'The secret is a client-facing API key, not a credential of a managed service: rotating it requires handing the ' +
    'new key to every client, so it is rotated by an operator (put-secret-value) rather than on a schedule.',
  apiAuthorization:
    "Qdrant clients authenticate with the 'api-key' header; the api function checks it in constant time against the " +
    'key in Secrets Manager before any route runs. An API Gateway authorizer would duplicate that check and add a ' +
    'Lambda invocation per request; stage throttling bounds unauthenticated traffic.',
} as const;

export function suppressStrataFindings(stack: StrataStack): void {
  const functions: StrataFunction[] = [stack.http.api, ...stack.pool.workers, stack.optimizer.optimizer];
  const objects = prefixObjectsFinding(stack.data.bucket, stack.settings.prefix);
  for (const fn of functions) {
    acknowledge(fn.function, 'AwsSolutions-L1', NAG_REASONS.runtimePin);
    acknowledge(fn.role, objects, NAG_REASONS.prefixObjects);
  }
  acknowledge(stack.apiKey.secret, 'AwsSolutions-SMG4', NAG_REASONS.secretRotation);
  if (stack.http.httpApi !== undefined)
    acknowledge(stack.http.httpApi, 'AwsSolutions-APIG4', NAG_REASONS.apiAuthorization);
}

function acknowledge(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/** cdk-nag names a wildcard resource by the template's own spelling: `<LogicalId.Arn>/prefix/*`. */
function prefixObjectsFinding(bucket: IBucket, prefix: string): string {
  const stack = Stack.of(bucket);
  const logicalId = stack.resolve((bucket.node.defaultChild as CfnResource).logicalId) as string;
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}/*]`;
}
