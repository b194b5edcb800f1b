/** What a per-type mapper returns: the records of one message, or why it sends nothing. */
import type { MixpanelRecord } from '../mixpanel/records.js';
import type { Rejection, SkipReason } from '../vocabulary.js';

export type Mapped =
  | { readonly records: MixpanelRecord[] }
  | { readonly skip: SkipReason }
  | { readonly rejection: Rejection };

export const skip = (reason: SkipReason): Mapped => ({ skip: reason });
