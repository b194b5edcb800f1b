/**
 * The transform stage's answer for one submitted batch, in a compact form. Every record's JSON is
 * UTF-8 in one buffer, and what the pipeline needs of a record to route it (its lane, the hash of
 * its ordering key, its non-idempotent operation) is a number in a typed array. A worker's answer
 * therefore crosses threads as a few transferred buffers — no object, view or string per record to
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

function operationCode(record: MixpanelRecord): number {
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
    nonIdempotent: nonIdempotentOperation(record),
  };
}

function nonIdempotentOperation(record: MixpanelRecord): NonIdempotentOperation | undefined {
  if (record.endpoint === '/import') return undefined;
  for (const operation of NON_IDEMPOTENT_OPERATIONS)
    if (operation in record.record) return operation;
  return undefined;
}

/** A prepared record with its routing, its JSON given as text or UTF-8. */
export type PreparedOutput = Routing & {
  readonly json: string;
  readonly bytes: number;
};

/** An outcome without records: what is decided before or instead of routing. */
export type DecidedOutcome = Exclude<Outcome<never>, { kind: 'records' }>;

/** The transferable form (what a worker posts; every typed array has a buffer of its own). */
export interface StageResultsData {
  /** The records' UTF-8, one after the other. */
  readonly utf8: ArrayBuffer;
  /** Per record: where its bytes end (a newline follows each record). */
  readonly recordEnds: Int32Array;
  /** Per record: its route (routeOf). */
  readonly routes: Uint8Array;
  /** Per record: keyHashOf its ordering key. */
  readonly keyHashes: Uint32Array;
  /** Per outcome: index in SEGMENT_TYPES + 1, or 0 when the message's type is unknown. */
  readonly segmentTypes: Uint8Array;
  /** Per outcome: where its records end. */
  readonly outcomeEnds: Int32Array;
  /** Per input: where its outcomes end. */
  readonly inputEnds: Int32Array;
  /** Outcomes without records, by outcome index. */
  readonly decided: ReadonlyMap<number, DecidedOutcome>;
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

  constructor(private readonly data: StageResultsData) {
    this.utf8 = Buffer.from(data.utf8);
  }

  static readonly EMPTY = new StageResults({
    utf8: new ArrayBuffer(0),
    recordEnds: new Int32Array(0),
    routes: new Uint8Array(0),
    keyHashes: new Uint32Array(0),
    segmentTypes: new Uint8Array(0),
    outcomeEnds: new Int32Array(0),
    inputEnds: new Int32Array(0),
    decided: new Map(),
  });

  get inputs(): number {
    return this.data.inputEnds.length;
  }

  /** The first outcome of an input; its outcomes end at outcomesEnd(input). */
  outcomesStart(input: number): number {
    return input === 0 ? 0 : (this.data.inputEnds[input - 1] as number);
  }

  outcomesEnd(input: number): number {
    return this.data.inputEnds[input] as number;
  }

  /** The outcome when it has no records (a rejection or a skip), else undefined. */
  decided(outcome: number): DecidedOutcome | undefined {
    return this.data.decided.size === 0 ? undefined : this.data.decided.get(outcome);
  }

  /** Index in SEGMENT_TYPES of the outcome's message (records outcomes always know it). */
  segmentTypeIndex(outcome: number): number {
    return (this.data.segmentTypes[outcome] as number) - 1;
  }

  recordsStart(outcome: number): number {
    return outcome === 0 ? 0 : (this.data.outcomeEnds[outcome - 1] as number);
  }

  recordsEnd(outcome: number): number {
    return this.data.outcomeEnds[outcome] as number;
  }

  recordStart(record: number): number {
    // Past the newline that ends the record before.
    return record === 0 ? 0 : (this.data.recordEnds[record - 1] as number) + 1;
  }

  recordBytes(record: number): number {
    return (this.data.recordEnds[record] as number) - this.recordStart(record);
  }

  route(record: number): number {
    return this.data.routes[record] as number;
  }

  keyHash(record: number): number {
    return this.data.keyHashes[record] as number;
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
    const utf8 = new ArrayBuffer(this.at);
    new Uint8Array(utf8).set(scratch.subarray(0, this.at));
    return {
      utf8,
      recordEnds: Int32Array.from(this.recordEnds),
      routes: Uint8Array.from(this.routes),
      keyHashes: Uint32Array.from(this.keyHashes),
      segmentTypes: Uint8Array.from(this.segmentTypes),
      outcomeEnds: Int32Array.from(this.outcomeEnds),
      inputEnds: Int32Array.from(this.inputEnds),
      decided: this.decided,
    };
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

/** The typed arrays' buffers, to transfer with the data. */
export function transferList(data: StageResultsData): ArrayBuffer[] {
  return [
    data.utf8,
    data.recordEnds.buffer as ArrayBuffer,
    data.routes.buffer as ArrayBuffer,
    data.keyHashes.buffer as ArrayBuffer,
    data.segmentTypes.buffer as ArrayBuffer,
    data.outcomeEnds.buffer as ArrayBuffer,
    data.inputEnds.buffer as ArrayBuffer,
  ];
}
