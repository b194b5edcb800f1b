/**
 * Fault injection: rules that make the sandbox answer an error, hang, reset the connection or
 * answer late, for the next N requests (`count`) or a share of them (`rate`, decided by the
 * injected seeded random). Set by flag at start or at runtime through POST /_sandbox/faults.
 */
import { z } from 'zod';

export const FAULT_ENDPOINTS = [
  '/import',
  '/engage',
  '/groups',
  '/track',
  '/api/query/engage',
  '/api/query/cohorts/list',
  '*',
] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];
export const FAULT_BODIES = ['json', 'html', 'empty', 'short-count'] as const;
export type FaultBody = (typeof FAULT_BODIES)[number];

export const faultSpecSchema = z
  .object({
    endpoint: z.enum(FAULT_ENDPOINTS).default('*'),
    /** Inferred: `status` when a status is given, `latency` when only delayMs is. */
    mode: z.enum(['status', 'hang', 'reset', 'latency']).optional(),
    /** 4xx/5xx errors, and 2xx/407 for answers a proxy in between might give. */
    status: z.number().int().min(200).max(599).optional(),
    /** `Retry-After` header: seconds, or an HTTP date string. */
    retryAfter: z.union([z.number().int().min(0), z.string().min(1)]).optional(),
    /**
     * Body of injected 5xx (and other non-documented) answers. `short-count`: the request is
     * processed, and the real /import answer comes back with `num_records_imported` one short.
     */
    body: z.enum(FAULT_BODIES).default('json'),
    /** The next `count` matching requests (scripted). */
    count: z.number().int().min(1).optional(),
    /** Each matching request with this probability, until the rule is deleted. */
    rate: z.number().min(0).max(1).optional(),
    /** Latency added before answering (mode `latency`). */
    delayMs: z.number().int().min(0).optional(),
    /**
     * Process the request (store its records) before the fault strikes: an answer lost after
     * the data landed, the case that makes retries produce duplicates.
     */
    ingest: z.boolean().default(false),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const mode =
      spec.mode ??
      (spec.status !== undefined ? 'status' : spec.delayMs !== undefined ? 'latency' : undefined);
    if (mode === undefined) {
      ctx.addIssue({ code: 'custom', message: 'give a mode, a status or a delayMs' });
    }
    if (mode === 'status' && spec.status === undefined) {
      ctx.addIssue({ code: 'custom', path: ['status'], message: 'mode status needs a status' });
    }
    if (mode === 'latency' && spec.delayMs === undefined) {
      ctx.addIssue({ code: 'custom', path: ['delayMs'], message: 'mode latency needs delayMs' });
    }
    if (spec.count !== undefined && spec.rate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rate'], message: 'give count or rate, not both' });
    }
  });

export type FaultSpecInput = z.input<typeof faultSpecSchema>;
export type FaultMode = 'status' | 'hang' | 'reset' | 'latency';

export interface FaultRule {
  readonly id: number;
  readonly endpoint: FaultEndpoint;
  readonly mode: FaultMode;
  readonly status?: number;
  readonly retryAfter?: string;
  readonly body: FaultBody;
  /** Remaining requests for a scripted rule. */
  remaining?: number;
  readonly rate?: number;
  readonly delayMs?: number;
  readonly ingest: boolean;
}

/** What to do with one request. */
export interface FaultDecision {
  /** An error answer, hang or reset instead of the real answer. */
  readonly terminal?: FaultRule;
  /** Added before answering. */
  readonly delayMs: number;
}

export class FaultSet {
  private rules: FaultRule[] = [];
  private nextId = 1;
  private injected: Record<FaultMode, number> = { status: 0, hang: 0, reset: 0, latency: 0 };

  constructor(private readonly random: () => number) {}

  /** Validates and adds a rule; throws a ZodError on a bad spec. */
  add(input: FaultSpecInput): FaultRule {
    const spec = faultSpecSchema.parse(input);
    const mode: FaultMode = spec.mode ?? (spec.status !== undefined ? 'status' : 'latency');
    const rule: FaultRule = {
      id: this.nextId++,
      endpoint: spec.endpoint,
      mode,
      body: spec.body,
      ingest: spec.ingest,
      ...(spec.status !== undefined ? { status: spec.status } : {}),
      ...(spec.retryAfter !== undefined ? { retryAfter: String(spec.retryAfter) } : {}),
      ...(spec.rate !== undefined ? { rate: spec.rate } : { remaining: spec.count ?? 1 }),
      ...(spec.delayMs !== undefined ? { delayMs: spec.delayMs } : {}),
    };
    this.rules.push(rule);
    return rule;
  }

  clear(): void {
    this.rules = [];
  }

  get active(): readonly FaultRule[] {
    return this.rules;
  }

  get injectedCounts(): Readonly<Record<FaultMode, number>> {
    return this.injected;
  }

  resetCounts(): void {
    this.injected = { status: 0, hang: 0, reset: 0, latency: 0 };
  }

  /**
   * Decides the faults of one request to `endpoint`: scripted rules first, in the order they were
   * added, then rate rules. At most one terminal fault; latency from every matching latency rule.
   */
  decide(endpoint: string): FaultDecision {
    let terminal: FaultRule | undefined;
    let delayMs = 0;
    if (this.rules.length === 0) return { delayMs };
    const ordered = [
      ...this.rules.filter((r) => r.remaining !== undefined),
      ...this.rules.filter((r) => r.remaining === undefined),
    ];
    for (const rule of ordered) {
      if (rule.endpoint !== '*' && rule.endpoint !== endpoint) continue;
      const isLatency = rule.mode === 'latency';
      if (!isLatency && terminal) continue;
      if (rule.rate !== undefined && !(this.random() < rule.rate)) continue;
      if (rule.remaining !== undefined) {
        rule.remaining--;
        if (rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
      }
      this.injected[rule.mode]++;
      if (isLatency) delayMs += rule.delayMs ?? 0;
      else terminal = rule;
    }
    return terminal ? { terminal, delayMs } : { delayMs };
  }
}
