/**
 * The AWS optimizer trigger: an asynchronous invoke (InvocationType Event) of the optimizer function with
 * `{collection}`. Lambda queues the event and retries it on failure; the function's EventBridge schedule sweeps up
 * whatever a trigger missed.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CountingTrigger, type OptimizeRequest, type TriggerOptions } from './optimizer-trigger.js';

/** An Event invoke is only queued by Lambda: it answers in milliseconds, or something is wrong. */
const SEND_TIMEOUT_MS = 3000;

export interface LambdaTriggerOptions extends TriggerOptions {
  client: LambdaClient;
  functionName: string;
}

/** Sends the optimizer function an asynchronous invoke; Lambda queues and retries it. */
export class LambdaOptimizerTrigger extends CountingTrigger {
  readonly #client: LambdaClient;
  readonly #functionName: string;

  constructor(options: LambdaTriggerOptions) {
    super(options);
    this.#client = options.client;
    this.#functionName = options.functionName;
  }

  protected async start(collection: string): Promise<void> {
    const event: OptimizeRequest = { collection };
    await this.#client.send(
      new InvokeCommand({
        FunctionName: this.#functionName,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
      // the api handler awaits this send before returning (flush): it must never hold a response for long
      { abortSignal: AbortSignal.timeout(SEND_TIMEOUT_MS) },
    );
  }
}
