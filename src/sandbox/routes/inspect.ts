/**
 * The inspection API under /_sandbox/ (not part of Mixpanel): counters, stored records, reset and
 * fault control, for tests, the demo and curious users. JSON shapes are in docs/sandbox.md.
 */
import { faultSpecSchema, type FaultRule, type FaultSpecInput } from '../faults.js';
import { json, methodNotAllowed, notFound, type Reply } from '../responses.js';
import type { SandboxStats } from '../stats.js';

/** What the inspection API needs from the running sandbox. */
export interface Inspectable {
  stats(): SandboxStats;
  userRecords(distinctId: string): unknown;
  groupRecords(groupKey: string, groupId: string): unknown;
  allRecords(limit: number): unknown;
  addFault(spec: FaultSpecInput): FaultRule;
  faults(): readonly FaultRule[];
  clearFaults(): number;
  reset(): void;
}

const DEFAULT_LIMIT = 1000;

export function handleInspect(sandbox: Inspectable, method: string, url: URL, body: Buffer): Reply {
  const route = url.pathname.replace(/\/+$/, '');
  switch (route) {
    case '/_sandbox/stats':
      return method === 'GET' ? json(200, sandbox.stats()) : methodNotAllowed();
    case '/_sandbox/healthz':
      return json(200, { ok: true });
    case '/_sandbox/records':
      return method === 'GET' ? records(sandbox, url.searchParams) : methodNotAllowed();
    case '/_sandbox/reset':
      if (method !== 'POST') return methodNotAllowed();
      sandbox.reset();
      return json(200, { reset: true });
    case '/_sandbox/faults':
      return faults(sandbox, method, body);
    default:
      return notFound();
  }
}

function records(sandbox: Inspectable, params: URLSearchParams): Reply {
  const distinctId = params.get('distinct_id');
  if (distinctId !== null) return json(200, sandbox.userRecords(distinctId));
  const groupKey = params.get('group_key');
  const groupId = params.get('group_id');
  if (groupKey !== null && groupId !== null) {
    return json(200, sandbox.groupRecords(groupKey, groupId));
  }
  const limit = Number(params.get('limit') ?? DEFAULT_LIMIT);
  if (!Number.isInteger(limit) || limit < 1) {
    return json(400, { error: 'limit must be a positive integer' });
  }
  return json(200, sandbox.allRecords(limit));
}

function faults(sandbox: Inspectable, method: string, body: Buffer): Reply {
  if (method === 'GET') return json(200, { faults: sandbox.faults() });
  if (method === 'DELETE') return json(200, { cleared: sandbox.clearFaults() });
  if (method !== 'POST') return methodNotAllowed();
  let specs: unknown;
  try {
    specs = JSON.parse(body.toString('utf8'));
  } catch {
    return json(400, { error: 'the body must be a JSON fault or an array of faults' });
  }
  const list: unknown[] = Array.isArray(specs) ? specs : [specs];
  // Validate every spec before adding any, so a bad array changes nothing.
  const issues: string[] = [];
  list.forEach((spec, index) => {
    const result = faultSpecSchema.safeParse(spec);
    if (result.success) return;
    for (const issue of result.error.issues) {
      const path = [...(list.length > 1 ? [index] : []), ...issue.path].join('.');
      issues.push(`${path || '(root)'}: ${issue.message}`);
    }
  });
  if (issues.length > 0) return json(400, { error: 'invalid fault', issues });
  const added = list.map((spec) => sandbox.addFault(spec as FaultSpecInput));
  return json(201, { faults: added });
}
