/**
 * Real Lambda context objects (the shape the nodejs22.x runtime passes as a handler's second argument), with a
 * working getRemainingTimeInMillis, so handlers under test see what they see in AWS.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface ContextOptions {
  timeoutMs?: number;
  memoryMiB?: number;
  region?: string;
  account?: string;
}

export function lambdaContext(functionName: string, options: ContextOptions = {}): Context {
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '123456789012';
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const unsupported = (): never => {
    throw new Error('callback-style completion is not used by Strata handlers');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryMiB ?? 1024),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}
