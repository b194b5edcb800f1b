import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { systemClock } from '../clock.js';
import { seededRandom } from '../random.js';
import { resolveSandboxOptions } from './options.js';

describe('resolveSandboxOptions', () => {
  it("defaults to Mixpanel's documented behaviour on a free port", () => {
    const { clock, random, logger, ...settings } = resolveSandboxOptions();
    expect(settings).toEqual({
      port: 0,
      host: '127.0.0.1',
      credentials: {},
      maxRecordsPerRequest: 2000,
      maxRequestBytes: 10_485_760,
      maxRecordBytes: 1_048_576,
      maxProperties: 255,
      overCountStatus: 400,
      oversizeRecord: 'failed-record',
      failedRecordIdKey: 'insert_id',
      strictWhenMissing: false,
      idMergeMode: 'original',
      identityEvents: 'ignore',
      trackMaxAgeDays: 5,
      badToken: 'drop',
      profileBatchErrors: 'apply-valid',
      multipleOperations: 'reject',
      groupsAdd: true,
      profileGzip: false,
      rateLimit: { enabled: false, eventsPerMinute: 1_800_000, bytesPerMinute: 2_000_000_000 },
      cohorts: {
        queryPageSize: 1000,
        queriesPerHour: 60,
        concurrentQueries: 5,
        syncIntervalMs: 1_800_000,
        syncPageSize: 1000,
        syncRetries: 5,
        syncRetryDelayMs: 2000,
        syncTimeoutMs: 30_000,
        snapshotTtlMs: 259_200_000,
      },
      keepRecords: 100_000,
      keepProfiles: 100_000,
      faults: [],
      seed: 1,
    });
    expect(clock).toBe(systemClock);
    expect(logger.level).toBe('silent');
    const seeded = seededRandom(1);
    expect([random(), random()]).toEqual([seeded(), seeded()]);
  });

  it('gives undefined values, nested ones too, their default', () => {
    const options = resolveSandboxOptions({
      port: undefined,
      rateLimit: { enabled: true, eventsPerMinute: undefined },
      credentials: { projectToken: 'tok', apiSecret: undefined },
    });
    expect(options).toMatchObject({
      port: 0,
      rateLimit: { enabled: true, eventsPerMinute: 1_800_000 },
      credentials: { projectToken: 'tok' },
    });
  });

  it('seeds the random source with `seed` unless one is given', () => {
    const seeded = seededRandom(7);
    expect(resolveSandboxOptions({ seed: 7 }).random()).toBe(seeded());
    const given = (): number => 0.5;
    expect(resolveSandboxOptions({ seed: 7, random: given }).random).toBe(given);
  });

  it.each([
    [{ keepRecords: -1 }, 'keepRecords'],
    [{ rateLimit: { eventsPerMinute: 0 } }, 'rateLimit.eventsPerMinute'],
    [{ faults: [{ endpoint: '/nowhere', status: 503 }] }, 'faults.0.endpoint'],
  ])('refuses %j, naming %s', (input, path) => {
    let error: unknown;
    try {
      resolveSandboxOptions(input as never);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ZodError);
    expect((error as ZodError).issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('refuses an unknown setting, naming it', () => {
    expect(() => resolveSandboxOptions({ keepRecord: 5 } as never)).toThrow(/keepRecord/);
  });
});
