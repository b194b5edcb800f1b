import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (resolved.url.startsWith('file:'))
    process.stderr.write(`loaded ${fileURLToPath(resolved.url)}\n`);
  return resolved;
}
