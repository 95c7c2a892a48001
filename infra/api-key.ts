/**
 * The API key clients send in Qdrant's `api-key` header. Secrets Manager generates it at deploy time, so it never
 * appears in the template, the synth output or the repository. The secret's value is the bare key string (no JSON).
 * The api function reads it once per cold start and compares in constant time (app code, not here); only that
 * function's role may read it (`grantRead` below is the single grant).
 *
 * Rotation: changing the value (`aws secretsmanager put-secret-value`) takes effect as containers recycle; clients
 * must be given the new key, which is why no automatic rotation is configured.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { API_KEY_DEFAULTS } from './defaults.js';
import type { StrataFunction } from './strata-function.js';

export interface ApiKeyProps {
  /**
   * Length of the generated key.
   * @default 48
   */
  readonly length?: number;
  /**
   * The key protects nothing once the API is gone, so by default it is deleted with the stack (after Secrets
   * Manager's recovery window).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class ApiKey extends Construct {
  readonly secret: ISecret;

  constructor(scope: Construct, id: string, props: ApiKeyProps = {}) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description: 'Strata API key (the value of the api-key header)',
      generateSecretString: { ...API_KEY_DEFAULTS, passwordLength: props.length ?? API_KEY_DEFAULTS.passwordLength },
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /** Lets exactly this function read the key: GetSecretValue on this secret's ARN, nothing else. */
  grantRead(fn: StrataFunction): void {
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadApiKey',
        effect: Effect.ALLOW,
        actions: ['secretsmanager:GetSecretValue'],
        resources: [this.secret.secretArn],
      }),
    );
  }
}
