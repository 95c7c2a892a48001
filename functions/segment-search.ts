/**
 * The segment-search function (worker i of K, DESIGN.md §5): validates one SegmentSearchTask, searches its segments
 * with the container's store, page cache and segment registry (module scope, so a warm container keeps the int8
 * sets of the segments routed to it), and returns the SegmentSearchResult. A failure throws: the invoker sees a
 * FunctionError, retries once, then fails the query (no silent partial answers).
 */
import type { Context } from 'aws-lambda';
import type { SegmentSearchResult } from '../lib/segment/task-contract.js';
import { loadConfig } from '../lib/runtime/config.js';
import { createLogger } from '../lib/runtime/logger.js';
import { createSegmentContext, workerSetupOf } from '../lib/runtime/segment-context.js';
import { parseSegmentTask } from '../lib/segment/task-schema.js';
import { runSegmentTask } from '../lib/segment/task.js';

const config = loadConfig();
const logger = createLogger(config, 'segment-search');
const segments = await createSegmentContext(workerSetupOf(config));

export const handler = async (event: unknown, context: Context): Promise<SegmentSearchResult> => {
  const task = parseSegmentTask(event);
  try {
    const result = await runSegmentTask(task, segments);
    logger.debug(
      { requestId: context.awsRequestId, collection: task.collectionPrefix, ...result.stats },
      'segment search',
    );
    return result;
  } catch (error) {
    logger.error(
      {
        err: error,
        requestId: context.awsRequestId,
        collection: task.collectionPrefix,
        segments: task.segments.map((s) => s.id),
      },
      'segment search failed',
    );
    throw error;
  }
};
