/**
 * The transform stage's answer for one submitted batch, in a compact form. Every record's JSON is
 * UTF-8 in one buffer, and what the pipeline needs of a record to route it (its lane, the hash of
 * its ordering key, its non-idempotent operation) is a number in a typed array. A worker's answer
 * therefore crosses threads as one transferred buffer — no object, view or string per record to
 * clone and collect — and the main thread builds nothing per record until the router makes its
 * batch item. Rejections and skips, rare, travel as plain outcome objects.
 *
 * Layout: inputs own consecutive outcomes (`inputEnds`), outcomes own consecutive records
 * (`outcomeEnds`), records own consecutive bytes of the buffer (`recordEnds`, each record then
 * a newline); each "end" is exclusive and the next one starts where the previous one ended.
 */
import { fnv1a32 } from '../fnv1a.js';
import type { Endpoint } from '../mixpanel/endpoints.js';
import {
  EncodedRecord,
  IDENTITY_EVENTS,
  isIdentityEvent,
  NON_IDEMPOTENT_OPERATIONS,
  orderingKey,
  type MixpanelRecord,
  type NonIdempotentOperation,
} from '../mixpanel/records.js';
import { SEGMENT_TYPES, type SegmentType } from '../segment/message.js';
import type { Outcome } from './transform.js';

/** Where a prepared record goes, and how it is counted. */
export interface Routing {
  readonly endpoint: Endpoint;
  /** distinct_id (or group) whose updates must keep their Kafka order; /import has none. */
  readonly orderingKey: string | undefined;
  /** `$identify` / `$create_alias`: sent in requests of their own. */
  readonly identity: boolean;
  /** A profile operation whose replay is not a no-op, counted when delivered. */
  readonly nonIdempotent: NonIdempotentOperation | undefined;
}

/** The lane kinds a route names (its low two bits). */
export const ROUTE_IMPORT = 0;
export const ROUTE_IDENTITY = 1;
export const ROUTE_ENGAGE = 2;
export const ROUTE_GROUPS = 3;
const ENDPOINT_OF_ROUTE: readonly Endpoint[] = ['/import', '/import', '/engage', '/groups'];
const TARGET_OF_ROUTE: readonly number[] = [0, 0, 1, 2];

/** A record's routing as one number: lane kind in bits 0–1, non-idempotent operation in bits 2–3. */
export function routeOf(routing: Routing): number {
  const kind =
    routing.endpoint === '/import'
      ? routing.identity
        ? ROUTE_IDENTITY
        : ROUTE_IMPORT
      : routing.endpoint === '/engage'
        ? ROUTE_ENGAGE
        : ROUTE_GROUPS;
  const operation =
    routing.nonIdempotent === undefined
      ? 0
      : NON_IDEMPOTENT_OPERATIONS.indexOf(routing.nonIdempotent) + 1;
  return kind | (operation << 2);
}

/** routeOf a Mixpanel record, without building its Routing. */
function routeOfRecord(record: MixpanelRecord): number {
  switch (record.endpoint) {
    case '/import':
      return IDENTITY_EVENTS.has(record.record.event) ? ROUTE_IDENTITY : ROUTE_IMPORT;
    case '/engage':
      return ROUTE_ENGAGE | (operationCode(record) << 2);
    case '/groups':
      return ROUTE_GROUPS | (operationCode(record) << 2);
  }
}

/** 1 + the index of the record's non-idempotent operation, 0 for none (and for /import). */
function operationCode(record: MixpanelRecord): number {
  if (record.endpoint === '/import') return 0;
  for (let i = 0; i < NON_IDEMPOTENT_OPERATIONS.length; i++)
    if ((NON_IDEMPOTENT_OPERATIONS[i] as string) in record.record) return i + 1;
  return 0;
}

export function routeKind(route: number): number {
  return route & 3;
}

export function endpointOfRoute(route: number): Endpoint {
  return ENDPOINT_OF_ROUTE[route & 3] as Endpoint;
}

/** Index of the route's target in TARGETS. */
export function targetIndexOfRoute(route: number): number {
  return TARGET_OF_ROUTE[route & 3] as number;
}

export function nonIdempotentOfRoute(route: number): NonIdempotentOperation | undefined {
  const operation = route >>> 2;
  return operation === 0 ? undefined : NON_IDEMPOTENT_OPERATIONS[operation - 1];
}

/** The hash that spreads ordered records over lanes (the same for every key of one lane). */
export function keyHashOf(key: string | undefined): number {
  return fnv1a32(key ?? '');
}

/** A record serialized once, with its routing: what the stage makes of a Mixpanel record. */
export function prepareRecord(record: MixpanelRecord): Routing & {
  readonly json: string;
  readonly bytes: number;
} {
  const json = JSON.stringify(record.record);
  return {
    endpoint: record.endpoint,
    json,
    bytes: Buffer.byteLength(json),
    orderingKey: orderingKey(record),
    identity: isIdentityEvent(record),
    nonIdempotent: nonIdempotentOfRoute(operationCode(record) << 2),
  };
}

/** A prepared record with its routing, its JSON given as text or UTF-8. */
export type PreparedOutput = Routing & {
  readonly json: string;
  readonly bytes: number;
};

/** An outcome without records: what is decided before or instead of routing. */
export type DecidedOutcome = Exclude<Outcome<never>, { kind: 'records' }>;

/**
 * The transferable form: one buffer (what a worker posts, transferred). It holds, in order, per
 * record where its bytes end (Int32, a newline follows each record) and the hash of its ordering
 * key (Uint32); per outcome where its records end (Int32); per input where its outcomes end
 * (Int32); per record its route (Uint8, routeOf); per outcome its message's type (Uint8, index in
 * SEGMENT_TYPES + 1, 0 when unknown); then the records' UTF-8.
 */
export interface StageResultsData {
  readonly buffer: ArrayBuffer;
  readonly records: number;
  readonly outcomes: number;
  readonly inputs: number;
  /** Outcomes without records, by outcome index. */
  readonly decided: ReadonlyMap<number, DecidedOutcome>;
}

/** Where each part of a StageResultsData buffer starts. */
function layout(records: number, outcomes: number, inputs: number) {
  const keyHashes = 4 * records;
  const outcomeEnds = keyHashes + 4 * records;
  const inputEnds = outcomeEnds + 4 * outcomes;
  const routes = inputEnds + 4 * inputs;
  const segmentTypes = routes + records;
  const utf8 = segmentTypes + outcomes;
  return { keyHashes, outcomeEnds, inputEnds, routes, segmentTypes, utf8 };
}

/**
 * A record of the results as an object (tests, tools): its routing as it travels (the hash of its
 * ordering key, not the key) and its UTF-8.
 */
export class EncodedOutput extends EncodedRecord {
  constructor(
    readonly endpoint: Endpoint,
    readonly keyHash: number,
    readonly nonIdempotent: NonIdempotentOperation | undefined,
    readonly identity: boolean,
    source: Buffer,
    start: number,
    bytes: number,
  ) {
    super(source, start, bytes);
  }
}

export class StageResults {
  /** The records' UTF-8 (record r is `utf8[recordStart(r), recordStart(r) + recordBytes(r))`). */
  readonly utf8: Buffer;
  private readonly recordEnds: Int32Array;
  private readonly keyHashes: Uint32Array;
  private readonly outcomeEnds: Int32Array;
  private readonly inputEnds: Int32Array;
  private readonly routes: Uint8Array;
  private readonly segmentTypes: Uint8Array;
  private readonly decidedOutcomes: ReadonlyMap<number, DecidedOutcome>;

  constructor(data: StageResultsData) {
    const { buffer, records, outcomes, inputs } = data;
    const at = layout(records, outcomes, inputs);
    this.recordEnds = new Int32Array(buffer, 0, records);
    this.keyHashes = new Uint32Array(buffer, at.keyHashes, records);
    this.outcomeEnds = new Int32Array(buffer, at.outcomeEnds, outcomes);
    this.inputEnds = new Int32Array(buffer, at.inputEnds, inputs);
    this.routes = new Uint8Array(buffer, at.routes, records);
    this.segmentTypes = new Uint8Array(buffer, at.segmentTypes, outcomes);
    this.utf8 = Buffer.from(buffer, at.utf8);
    this.decidedOutcomes = data.decided;
  }

  static readonly EMPTY = new StageResults({
    buffer: new ArrayBuffer(0),
    records: 0,
    outcomes: 0,
    inputs: 0,
    decided: new Map(),
  });

  get inputs(): number {
    return this.inputEnds.length;
  }

  /** The first outcome of an input; its outcomes end at outcomesEnd(input). */
  outcomesStart(input: number): number {
    return input === 0 ? 0 : (this.inputEnds[input - 1] as number);
  }

  outcomesEnd(input: number): number {
    return this.inputEnds[input] as number;
  }

  /** The outcome when it has no records (a rejection or a skip), else undefined. */
  decided(outcome: number): DecidedOutcome | undefined {
    return this.decidedOutcomes.size === 0 ? undefined : this.decidedOutcomes.get(outcome);
  }

  /** Index in SEGMENT_TYPES of the outcome's message (records outcomes always know it). */
  segmentTypeIndex(outcome: number): number {
    return (this.segmentTypes[outcome] as number) - 1;
  }

  recordsStart(outcome: number): number {
    return outcome === 0 ? 0 : (this.outcomeEnds[outcome - 1] as number);
  }

  recordsEnd(outcome: number): number {
    return this.outcomeEnds[outcome] as number;
  }

  recordStart(record: number): number {
    // Past the newline that ends the record before.
    return record === 0 ? 0 : (this.recordEnds[record - 1] as number) + 1;
  }

  recordBytes(record: number): number {
    return (this.recordEnds[record] as number) - this.recordStart(record);
  }

  route(record: number): number {
    return this.routes[record] as number;
  }

  keyHash(record: number): number {
    return this.keyHashes[record] as number;
  }

  /** Every outcome as an object, per input (tests and tools; the pipeline reads the arrays). */
  toOutcomes(): Outcome<EncodedOutput>[][] {
    return Array.from({ length: this.inputs }, (_, input) => {
      const outcomes: Outcome<EncodedOutput>[] = [];
      for (let o = this.outcomesStart(input); o < this.outcomesEnd(input); o++) {
        const decided = this.decided(o);
        if (decided !== undefined) {
          outcomes.push(decided);
          continue;
        }
        const records: EncodedOutput[] = [];
        for (let r = this.recordsStart(o); r < this.recordsEnd(o); r++) {
          const route = this.route(r);
          records.push(
            new EncodedOutput(
              endpointOfRoute(route),
              this.keyHash(r),
              nonIdempotentOfRoute(route),
              routeKind(route) === ROUTE_IDENTITY,
              this.utf8,
              this.recordStart(r),
              this.recordBytes(r),
            ),
          );
        }
        const segmentType = SEGMENT_TYPES[this.segmentTypeIndex(o)] as SegmentType;
        outcomes.push({ kind: 'records', segmentType, records });
      }
      return outcomes;
    });
  }
}

/**
 * Where a writer encodes records as they are serialized, one per thread (jobs run one at a time),
 * grown as needed and reused. Each job's bytes are copied out of it into a buffer of their exact
 * size: the strings die as soon as they are encoded, and nothing measures them twice. Every
 * record is followed by a newline, so records that follow each other in the buffer and in a
 * request body are copied into the body in one piece (publish/encode.ts).
 */
let scratch = Buffer.allocUnsafeSlow(1 << 20);
const NEWLINE = 0x0a;

/** Builds StageResultsData: outcomes are added input by input, records encoded as they come. */
export class StageResultsWriter {
  private at = 0;
  private readonly recordEnds: number[] = [];
  private readonly routes: number[] = [];
  private readonly keyHashes: number[] = [];
  private readonly segmentTypes: number[] = [];
  private readonly outcomeEnds: number[] = [];
  private readonly inputEnds: number[] = [];
  private readonly decided = new Map<number, DecidedOutcome>();

  /** A message's records, in order. */
  records(segmentType: SegmentType, records: readonly MixpanelRecord[]): void {
    for (const record of records) {
      this.encode(JSON.stringify(record.record));
      this.routes.push(routeOfRecord(record));
      this.keyHashes.push(record.endpoint === '/import' ? 0 : keyHashOf(orderingKey(record)));
    }
    this.segmentTypes.push(SEGMENT_TYPES.indexOf(segmentType) + 1);
    this.outcomeEnds.push(this.recordEnds.length);
  }

  /** A message rejected or skipped. */
  decide(outcome: DecidedOutcome): void {
    this.decided.set(this.outcomeEnds.length, outcome);
    this.segmentTypes.push(
      outcome.segmentType === undefined ? 0 : SEGMENT_TYPES.indexOf(outcome.segmentType) + 1,
    );
    this.outcomeEnds.push(this.recordEnds.length);
  }

  /** Every outcome of the current input was added. */
  endInput(): void {
    this.inputEnds.push(this.outcomeEnds.length);
  }

  finish(): StageResultsData {
    const records = this.recordEnds.length;
    const outcomes = this.outcomeEnds.length;
    const inputs = this.inputEnds.length;
    const at = layout(records, outcomes, inputs);
    const buffer = new ArrayBuffer(at.utf8 + this.at);
    new Int32Array(buffer, 0, records).set(this.recordEnds);
    new Uint32Array(buffer, at.keyHashes, records).set(this.keyHashes);
    new Int32Array(buffer, at.outcomeEnds, outcomes).set(this.outcomeEnds);
    new Int32Array(buffer, at.inputEnds, inputs).set(this.inputEnds);
    new Uint8Array(buffer, at.routes, records).set(this.routes);
    new Uint8Array(buffer, at.segmentTypes, outcomes).set(this.segmentTypes);
    new Uint8Array(buffer, at.utf8).set(scratch.subarray(0, this.at));
    return { buffer, records, outcomes, inputs, decided: this.decided };
  }

  private encode(json: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8: with that much room nothing is cut.
    const room = json.length * 3 + 1;
    if (this.at + room > scratch.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(scratch.length * 2, this.at + room));
      scratch.copy(grown, 0, 0, this.at);
      scratch = grown;
    }
    this.at += scratch.write(json, this.at, 'utf8');
    this.recordEnds.push(this.at);
    scratch[this.at++] = NEWLINE;
  }
}
