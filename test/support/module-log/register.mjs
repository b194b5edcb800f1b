// Records every module a process loads, for test/ops/loaded-modules.test.ts: ES modules through a
// resolve hook, CommonJS ones from require's cache when the process exits. One path per line on
// stderr, prefixed with "loaded ".
import { createRequire, register } from 'node:module';

register('./hooks.mjs', import.meta.url);
const require = createRequire(import.meta.url);
process.on('exit', () => {
  for (const path of Object.keys(require.cache)) process.stderr.write(`loaded ${path}\n`);
});
