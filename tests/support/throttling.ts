import type { Throttled } from '../../src/lib/server/services/access/throttling';
import type { ServiceResult } from '../../src/lib/server/services/kernel/errors';

/** The ordinary result of a service that may also refuse as throttled; fails the test when it did. */
export function notThrottled<T>(result: ServiceResult<T> | Throttled): ServiceResult<T> {
  if ('throttled' in result) throw new Error(`expected an answer, got throttled: ${result.throttled.message}`);
  return result;
}

/** The refusal of a throttled result; fails the test when it was answered. */
export function expectThrottled<T>(result: ServiceResult<T> | Throttled): Throttled['throttled'] {
  if (!('throttled' in result)) throw new Error(`expected throttled, got ${JSON.stringify(result)}`);
  return result.throttled;
}
