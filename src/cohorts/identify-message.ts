/**
 * The identify message of one cohort transition, as Mixpanel's own cohort export to Segment sends
 * it (https://docs.mixpanel.com/docs/cohort-sync/integrations/segment): `userId` is the distinct
 * id and the one trait `"Mixpanel - <cohort name>"` is `true` when the user entered the cohort and
 * `false` when they left it.
 *
 * Beyond that shape, every message is replay-safe: `messageId` is derived from the project, the
 * cohort, the distinct id, the new state and the sync generation, and `timestamp` is the time the
 * generation started (stored with it), so a retried or resumed sync writes byte-identical
 * messages that Segment consumers, warehouses and Mixpanel deduplicate.
 *
 * Unless `cohorts.sendToMixpanel` is set, `integrations: {"Mixpanel": false}` keeps the traits out
 * of Mixpanel: they describe the very project they came from, and writing them back would make
 * Mixpanel's own cohort definitions see profile changes made by their own export.
 */
import { createHash } from 'node:crypto';
import type { CohortRef } from './cohort-ref.js';

export const TRAIT_PREFIX = 'Mixpanel - ';

/** The generation a message belongs to: its id and start time, and the cohort's name then. */
export interface GenerationStamp {
  readonly id: string;
  readonly timestampMs: number;
  readonly name: string;
}

export interface IdentifyRecord {
  /** The Kafka key: the user id, so each user's messages stay in order on one partition. */
  readonly key: string;
  readonly value: Buffer;
  readonly messageId: string;
}

export function traitName(cohortName: string): string {
  return `${TRAIT_PREFIX}${cohortName}`;
}

export function cohortMessageId(
  ref: CohortRef,
  distinctId: string,
  member: boolean,
  generation: string,
): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([ref.projectId, ref.cohortId, distinctId, member, generation]))
    .digest('hex');
  return `mp-cohort-${digest.slice(0, 32)}`;
}

export function identifyMessage(options: {
  readonly ref: CohortRef;
  readonly distinctId: string;
  readonly member: boolean;
  readonly generation: GenerationStamp;
  readonly sendToMixpanel: boolean;
}): IdentifyRecord {
  const { ref, distinctId, member, generation } = options;
  const messageId = cohortMessageId(ref, distinctId, member, generation.id);
  const message = {
    type: 'identify',
    userId: distinctId,
    traits: { [traitName(generation.name)]: member },
    messageId,
    timestamp: new Date(generation.timestampMs).toISOString(),
    ...(options.sendToMixpanel ? {} : { integrations: { Mixpanel: false } }),
  };
  return { key: distinctId, value: Buffer.from(JSON.stringify(message)), messageId };
}
