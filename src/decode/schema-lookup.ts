/**
 * One lookup of a writer schema by id: GET /schemas/ids/{id}, then the schemas it references
 * (GET /subjects/{subject}/versions/{version}, depth first), each answer classified by
 * registry-answer.ts, and the result compiled with avsc. A schema that the registry served but
 * that cannot be used — not JSON, not valid Avro, a `schemaType` other than Avro, malformed
 * references — is `invalid`: immutable per id like the schema itself, so the caller may cache it.
 */
import type Avsc from 'avsc';
import { onFirstUse } from '../first-use.js';
import { classifyRegistryAnswer, type RegistryVerdict } from './registry-answer.js';
import type { RegistryClient } from './registry-client.js';

/** Loaded with the first schema compiled (see avro.ts). */
const avsc = onFirstUse<typeof Avsc>('avsc');

export type SchemaLookup =
  | { readonly kind: 'schema'; readonly type: Avsc.Type }
  | { readonly kind: 'invalid'; readonly problem: string }
  | Exclude<RegistryVerdict, { kind: 'found' }>
  | { readonly kind: 'aborted' };

/** Guards against reference cycles and runaway graphs. */
const MAX_REFERENCES = 64;

export async function lookupSchema(
  client: RegistryClient,
  schemaId: number,
  signal?: AbortSignal,
): Promise<SchemaLookup> {
  const named: Record<string, Avsc.Type> = {};
  const seen = new Set<string>();

  /** Fetches, resolves the references of, and compiles one schema into `named`. */
  async function compile(path: string): Promise<SchemaLookup> {
    const answer = await client.get(path, signal);
    if (answer.kind === 'aborted') return answer;
    const verdict = classifyRegistryAnswer(answer);
    if (verdict.kind !== 'found') return verdict;
    const { schema, schemaType, references } = verdict.body;
    if (schemaType !== undefined && schemaType !== 'AVRO') {
      return invalid(`schemaType ${JSON.stringify(schemaType)} is not supported: only Avro`);
    }
    for (const reference of references === undefined ? [] : asReferences(references)) {
      if (typeof reference === 'string') return invalid(reference);
      const key = `${reference.subject}/${reference.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > MAX_REFERENCES) return invalid(`more than ${MAX_REFERENCES} references`);
      const resolved = await compile(
        `/subjects/${encodeURIComponent(reference.subject)}/versions/${reference.version}`,
      );
      if (resolved.kind !== 'schema') return resolved;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(schema as string);
    } catch (err) {
      return invalid(`the schema is not JSON: ${(err as Error).message}`);
    }
    try {
      return {
        kind: 'schema',
        type: avsc().Type.forSchema(parsed as Avsc.Schema, { registry: named }),
      };
    } catch (err) {
      return invalid(`not a valid Avro schema: ${(err as Error).message}`);
    }
  }

  return compile(`/schemas/ids/${schemaId}`);
}

interface Reference {
  readonly subject: string;
  readonly version: number | string;
}

/** Confluent's `references`: `[{name, subject, version}]`; a string describes what is wrong. */
function asReferences(value: unknown): (Reference | string)[] {
  if (!Array.isArray(value)) return ['references is not a list'];
  return value.map((entry: unknown) => {
    const { subject, version } = (entry ?? {}) as Record<string, unknown>;
    if (
      typeof subject !== 'string' ||
      (typeof version !== 'number' && typeof version !== 'string')
    ) {
      return `a reference without subject and version: ${JSON.stringify(entry)}`;
    }
    return { subject, version };
  });
}

function invalid(problem: string): SchemaLookup {
  return { kind: 'invalid', problem: problem.slice(0, 300) };
}
