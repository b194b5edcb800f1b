/**
 * The "Cohort sync" row: what `segment-mixpanel cohorts serve` (webhook, push) and `cohorts sync`
 * (Query API, pull) did: syncs by how they ended, users entering and leaving cohorts, pages,
 * failures by reason, and how much the Query API's limits held the pull back.
 */
import { timeseries, type RowSpec } from './grafana.js';
import { SEL, increase, quantile, sumRate } from './queries.js';

export const cohortRow: RowSpec = {
  title: 'Cohort sync (cohorts serve, cohorts sync)',
  panels: [
    timeseries({
      title: 'Cohort syncs by result',
      description:
        'Syncs per interval by source and result: completed; abandoned (a full listing that never completed: no exits were written); failed (Kafka or the Query API; retried by Mixpanel or the next sync).',
      unit: 'short',
      min: 0,
      queries: [
        {
          expr: `sum by (source, result) (${increase('segment_mixpanel_cohort_syncs_total')})`,
          legend: '{{source}} {{result}}',
        },
      ],
    }),
    timeseries({
      title: 'Users entering and leaving cohorts',
      description:
        'Identify messages acknowledged by the cohort topic per interval: "true" for users who entered a cohort, "false" for users who left.',
      unit: 'short',
      min: 0,
      queries: [
        {
          expr: `sum by (source, transition) (${increase('segment_mixpanel_cohort_members_total')})`,
          legend: '{{source}} {{transition}}',
        },
      ],
    }),
    timeseries({
      title: 'Cohort failures by reason',
      description:
        'Failed sync attempts and refused webhook requests: kafka (writes not acknowledged), query_auth / query_rejected / query_unavailable (the Query API), invalid_request / unauthorized (the webhook).',
      unit: 'short',
      min: 0,
      queries: [
        {
          expr: `sum by (source, reason) (${increase('segment_mixpanel_cohort_failures_total')})`,
          legend: '{{source}} {{reason}}',
        },
      ],
    }),
    timeseries({
      title: 'Membership pages',
      description:
        'Pages of cohort membership per second: received from the webhook or read from the Query API (up to 1,000 users each).',
      unit: 'ops',
      min: 0,
      queries: [
        { expr: sumRate('source', 'segment_mixpanel_cohort_pages_total'), legend: '{{source}}' },
      ],
    }),
    timeseries({
      title: 'Query API limit as the bottleneck',
      description:
        'Share of time the pull waited before Query API requests: for the hourly budget (cohorts.query.queriesPerHour), a concurrent slot, or backoff after a 429. Near 1 for hourly_limit: the cohorts need more queries per hour than Mixpanel allows.',
      unit: 'percentunit',
      min: 0,
      queries: [
        {
          expr: sumRate('cause', 'segment_mixpanel_cohort_query_wait_seconds_total'),
          legend: '{{cause}}',
        },
      ],
    }),
    timeseries({
      title: 'Query API 429s and request duration',
      description:
        'HTTP 429 answers per second from the Query API (60 queries per hour and 5 concurrent per project), and the p95 duration of its requests by answer class.',
      unit: 'short',
      min: 0,
      queries: [
        {
          expr: `sum (rate(segment_mixpanel_cohort_query_rate_limited_total{${SEL}}[$__rate_interval]))`,
          legend: '429/s',
        },
        {
          expr: quantile(0.95, 'status_class', 'segment_mixpanel_cohort_query_duration_seconds'),
          legend: 'p95 s {{status_class}}',
        },
      ],
    }),
  ],
};
