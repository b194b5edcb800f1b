/**
 * One Kafka record as the pipeline holds it: where it came from, its timestamp, and its own copies
 * of key, value and headers (never slices of a fetch response).
 */

export interface KafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Kafka record timestamp, epoch milliseconds. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | undefined>>;
  /** Key and value bytes together, when the source knows it without making their buffers. */
  readonly size?: number;
  /**
   * The record without key, value and headers, when its source can drop them in place (the
   * record is its own, held by no one else); otherwise the holder makes a copy without them.
   */
  withoutBytes?(): KafkaRecord;
}
