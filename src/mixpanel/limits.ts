/**
 * Mixpanel's documented ingestion limits: records and bytes per request, bytes per record
 * (https://developer.mixpanel.com/reference/import-events). Config bounds, the batcher, the
 * transform's size check and the sandbox all read them from here.
 */
export const MIXPANEL_LIMITS = {
  maxRecordsPerRequest: 2000,
  maxRequestBytes: 10 * 1000 * 1000,
  maxRecordBytes: 1024 * 1024,
} as const;
