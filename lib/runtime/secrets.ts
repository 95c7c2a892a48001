/**
 * Reads the API key from Secrets Manager, once per cold start (the value is the bare key string, infra/api-key.ts).
 * A missing or empty secret is a deployment error: the function must not start without the key it was told to use.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { internal } from '../model/errors.js';

export async function readSecretString(secretId: string, client = new SecretsManagerClient({})): Promise<string> {
  const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const value = out.SecretString?.trim();
  if (!value) throw internal(`secret ${secretId} has no string value`);
  return value;
}
