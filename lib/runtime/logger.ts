/**
 * One pino logger per process, JSON to stdout (CloudWatch in Lambda, the terminal locally), level from the config.
 */
import { pino, type Logger } from 'pino';
import type { StrataConfig } from './config.js';

export type { Logger } from 'pino';

export function createLogger(config: Pick<StrataConfig, 'logLevel'>, component: string): Logger {
  return pino({ level: config.logLevel, base: { app: 'strata', component } });
}
