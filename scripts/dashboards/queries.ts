/**
 * PromQL fragments shared by the dashboards: the variable matchers every query carries (so "All"
 * works through `=~`), and rate/quantile helpers that always use `$__rate_interval`.
 */

/** The replicas selected by the job and instance variables. */
export const SEL = 'job=~"$job",instance=~"$instance"';
/** Per-topic metrics, also filtered by the topic variable. */
export const SEL_TOPIC = `${SEL},topic=~"$topic"`;
/** Dead-letter metrics name the raw topic `source_topic`. */
export const SEL_SOURCE_TOPIC = `${SEL},source_topic=~"$topic"`;
/**
 * Lag follows the partition, not the replica: never filtered by instance, and always
 * `max by (topic, partition)` first, so a partition two members report during a rebalance counts
 * once.
 */
export const LAG =
  'max by (topic, partition) (segment_mixpanel_kafka_consumer_lag_messages{job=~"$job",topic=~"$topic"})';

export const rate = (metric: string, selector = SEL): string =>
  `rate(${metric}{${selector}}[$__rate_interval])`;

export const increase = (metric: string, selector = SEL): string =>
  `increase(${metric}{${selector}}[$__rate_interval])`;

/** `sum by (labels) (rate(...))`, or `sum(rate(...))` without labels. */
export const sumRate = (by: string, metric: string, selector = SEL): string =>
  `sum${by ? ` by (${by})` : ''} (${rate(metric, selector)})`;

export const quantile = (q: number, by: string, histogram: string, selector = SEL): string =>
  `histogram_quantile(${q}, sum by (${by ? `${by}, ` : ''}le) (${rate(`${histogram}_bucket`, selector)}))`;

/** A ratio that is 0, not NaN, while the denominator is idle. */
export const ratio = (numerator: string, denominator: string): string =>
  `${numerator} / clamp_min(${denominator}, 1e-9)`;
