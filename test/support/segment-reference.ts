/**
 * Segment's own implementation, loaded from the @segment/actions-core devDependency as the
 * reference our code is compared with. Only its CommonJS build loads under Node (the ESM build
 * uses extensionless imports), hence createRequire. Never imported by product code.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// Typed here rather than through the package's declarations: those pull in a second, newer
// @types/node that clashes with the project's.
interface MappingKit {
  transform(mapping: object, data: object): unknown;
}

/** mapping-kit's `transform(mapping, data)`: validates, resolves, removes undefined. */
export const segmentTransform = (require('@segment/actions-core/mapping-kit') as MappingKit)
  .transform;

/** Segment's result, or the text of the error it throws (mapping-kit mutates its mapping). */
export function segmentResolve(mapping: object, data: object): unknown {
  try {
    return segmentTransform(structuredClone(mapping), data);
  } catch (err) {
    return { threw: true, message: (err as Error).message };
  }
}
