/**
 * avsc, loaded the first time an Avro schema is compiled or used: a deployment that reads JSON
 * never holds it in memory. (CommonJS, so `require` loads it synchronously where it is needed.)
 */
import { createRequire } from 'node:module';
import type Avsc from 'avsc';

const require = createRequire(import.meta.url);
let loaded: typeof Avsc | undefined;

export function avsc(): typeof Avsc {
  loaded ??= require('avsc') as typeof Avsc;
  return loaded;
}
