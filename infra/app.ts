/**
 * CDK app entry (`cdk.json`: `npx tsx infra/app.ts`). One stack; settings come from context (infra/settings.ts).
 * cdk-nag's AWS Solutions rules run on every synth: an unacknowledged finding fails the synth, so nothing reaches
 * `cdk deploy`. cdk-nag 3 is a CDK policy-validation plugin (`Validations.of(app).addPlugins`), the successor of the
 * v2 Aspect; acknowledgements with reasons live in infra/nag-suppressions.ts.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { StrataStack } from './strata-stack.js';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Strata';
new StrataStack(app, stackName, {
  description: 'Strata: serverless vector database with the Qdrant REST API (Lambda over S3)',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
