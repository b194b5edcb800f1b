import { describe, expect, it } from 'vitest';
import { CATALOG, METRIC_PREFIX } from './catalog.js';
import { createMetrics } from './registry.js';

describe('metric catalogue', () => {
  it('names every metric with the prefix, base units and _total on counters only', () => {
    for (const definition of Object.values(CATALOG)) {
      expect(definition.name.startsWith(METRIC_PREFIX)).toBe(true);
      expect(definition.name).toMatch(/^[a-z_]+$/);
      expect(definition.name.endsWith('_total')).toBe(definition.type === 'counter');
      expect(definition.name).not.toMatch(/_(ms|milliseconds|kb|mb)(_|$)/);
    }
  });

  it('never uses unbounded labels', () => {
    const forbidden = [
      'distinct_id',
      'user_id',
      'event',
      'message_id',
      'insert_id',
      'error',
      'message',
      'url',
    ];
    for (const definition of Object.values(CATALOG)) {
      for (const label of definition.labels) expect(forbidden).not.toContain(label);
    }
  });
});

describe('createMetrics', () => {
  it('gives each instance its own registry', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.recordsDelivered.inc({ target: 'import' }, 3);
    expect(
      (await a.recordsDelivered.get()).values.find((v) => v.labels.target === 'import')?.value,
    ).toBe(3);
    expect(
      (await b.recordsDelivered.get()).values.find((v) => v.labels.target === 'import')?.value,
    ).toBe(0);
  });

  it('starts closed-set counters at zero, including per configured topic', async () => {
    const metrics = createMetrics({ topics: ['events'] });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'segment_mixpanel_dead_letters_total{source_topic="events",code="invalid_json",stage="decode"} 0',
    );
    expect(text).toContain('segment_mixpanel_http_rate_limited_total{endpoint="/import"} 0');
  });

  it('reports the build version', async () => {
    const metrics = createMetrics({ version: '1.2.3' });
    expect(await metrics.registry.metrics()).toMatch(
      /segment_mixpanel_build_info\{version="1\.2\.3",nodejs_version="v\d+/,
    );
  });
});

describe('gauges read at scrape time', () => {
  it('take the value their owner reports when metrics are read, the latest registration winning', async () => {
    const metrics = createMetrics();
    let unsettled = 3;
    metrics.onScrape('unsettledMessages', (gauge) => gauge.set(unsettled));
    const read = async (): Promise<number | undefined> =>
      (await metrics.unsettledMessages.get()).values[0]?.value;
    expect(await read()).toBe(3);
    unsettled = 7;
    expect(await metrics.registry.metrics()).toContain(`${CATALOG.unsettledMessages.name} 7`);
    metrics.onScrape('unsettledMessages', (gauge) => gauge.set(1));
    expect(await read()).toBe(1);
  });
});
