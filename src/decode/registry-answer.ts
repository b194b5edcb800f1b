/**
 * What one answer of the schema registry means (pure; table-tested). A message is dead-lettered
 * only on the registry's own word that its schema does not exist: a JSON body with `error_code`
 * 40403 (Confluent's "schema not found"). Any other 404 — an ingress's HTML page, a gateway's JSON
 * without that code, a path that is not the registry — says nothing about the message, so it is
 * retried like a 5xx, a 429, a timeout or a success that is not a registry answer (a proxy's page
 * answered 200). 401 and 403 mean our credentials are refused: nothing will get through until an
 * operator fixes `input.schemaRegistry.*`.
 */

/** Confluent Schema Registry's error code for "schema not found" (GET /schemas/ids/{id}). */
export const SCHEMA_NOT_FOUND = 40403;

/** One HTTP exchange with the registry, as registry-client.ts reports it. */
export type RegistryAnswer =
  | { readonly kind: 'response'; readonly status: number; readonly body: string }
  | { readonly kind: 'network'; readonly message: string };

export type RegistryVerdict =
  /** A registry's answer holding a schema: the parsed body (`schema`, `schemaType`, `references`). */
  | { readonly kind: 'found'; readonly body: Readonly<Record<string, unknown>> }
  /** The registry says the schema does not exist. */
  | { readonly kind: 'not_found'; readonly detail: string }
  /** Our credentials are refused. */
  | { readonly kind: 'refused'; readonly status: number; readonly detail: string }
  /** Anything else: ask again later. */
  | { readonly kind: 'retry'; readonly detail: string };

const DETAIL_CHARS = 200;

export function classifyRegistryAnswer(answer: RegistryAnswer): RegistryVerdict {
  if (answer.kind === 'network') return { kind: 'retry', detail: `no answer: ${answer.message}` };
  const { status, body } = answer;
  const json = parseObject(body);
  if (status >= 200 && status < 300) {
    if (json && typeof json['schema'] === 'string') return { kind: 'found', body: json };
    return { kind: 'retry', detail: `HTTP ${status} that is not a registry answer: ${head(body)}` };
  }
  const detail = describe(status, body, json);
  if (status === 401 || status === 403) return { kind: 'refused', status, detail };
  if (status === 404 && json?.['error_code'] === SCHEMA_NOT_FOUND) {
    return { kind: 'not_found', detail };
  }
  return { kind: 'retry', detail };
}

function describe(
  status: number,
  body: string,
  json: Readonly<Record<string, unknown>> | undefined,
): string {
  if (json) {
    const code = typeof json['error_code'] === 'number' ? ` error_code ${json['error_code']}` : '';
    const message = typeof json['message'] === 'string' ? `: ${json['message']}` : '';
    return `HTTP ${status}${code}${message}`.slice(0, DETAIL_CHARS);
  }
  const text = body.trim();
  if (text.length === 0) return `HTTP ${status}`;
  return text.startsWith('<') ? `HTTP ${status} (HTML body)` : `HTTP ${status}: ${head(text)}`;
}

function head(text: string): string {
  return text.length > DETAIL_CHARS ? `${text.slice(0, DETAIL_CHARS - 1)}…` : text;
}

function parseObject(body: string): Readonly<Record<string, unknown>> | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
