import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalTestServer } from '../../dev/tools';
import { SEARCH_ATTRIBUTE_TYPES } from '../../workflows/definitions';

/** `Keyword` → INDEXED_VALUE_TYPE_KEYWORD, `KeywordList` → INDEXED_VALUE_TYPE_KEYWORD_LIST, … */
const indexedType = (type: string) =>
  temporal.api.enums.v1.IndexedValueType[`INDEXED_VALUE_TYPE_${type.replace(/(?<=.)([A-Z])/g, '_$1').toUpperCase()}` as 'INDEXED_VALUE_TYPE_KEYWORD'];

/**
 * Temporal's time-skipping test server, obtained by the project (never the SDK's daily re-download,
 * which needs internet), with the project's search attributes registered like on the dev server.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: await temporalTestServer() } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(Object.entries(SEARCH_ATTRIBUTE_TYPES).map(([name, type]) => [name, indexedType(type)])),
  });
  return env;
}
