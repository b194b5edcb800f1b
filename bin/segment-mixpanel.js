#!/usr/bin/env node
/**
 * The `segment-mixpanel` command (package.json "bin").
 *
 * In a checkout (src/ next to this folder and the dev dependency tsx installed) it runs the
 * TypeScript sources through tsx: `npx segment-mixpanel …` works right after `npm ci`, with no
 * build step, and never runs a build older than the sources. In an installed package only dist/
 * ships, and it runs the compiled dist/cli.js. docs/development.md explains the choice.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = new URL('../src/cli.ts', import.meta.url);
const built = new URL('../dist/cli.js', import.meta.url);

async function tsxRegister() {
  try {
    const { register } = await import('tsx/esm/api');
    return register;
  } catch {
    return undefined;
  }
}

async function loadCli() {
  if (existsSync(fileURLToPath(source))) {
    const register = await tsxRegister();
    if (register) {
      register();
      return import(source.href);
    }
  }
  if (existsSync(fileURLToPath(built))) return import(built.href);
  process.stderr.write(
    'segment-mixpanel: neither the sources with tsx (run `npm ci`) nor a build (run `npm run build`) were found\n',
  );
  process.exit(1);
}

const cli = await loadCli();
await cli.runCli(process.argv.slice(2));
