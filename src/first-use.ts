/**
 * A CommonJS library loaded the first time it is used rather than when its importer is: what a
 * process imports stays resident for its whole life (in each worker thread too), so a library
 * only some deployments need (avsc for Avro input, Segment's FQL for subscriptions) is required
 * where it is first needed, synchronously.
 *
 *   const avsc = onFirstUse<typeof Avsc>('avsc');
 *   avsc().Type.forSchema(schema);     // loads avsc on the first call
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= require(specifier) as T;
    return loaded;
  };
}
