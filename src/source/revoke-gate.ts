/**
 * Holds kafkajs's rejoin of a rebalancing group until this member has finished (or given up) the
 * work of the partitions it is about to lose and committed what settled.
 *
 * kafkajs (eager protocol) has no "partitions revoked" hook: REBALANCING is a synchronous event
 * emitted in the same tick as the rejoin. But every rejoin — a heartbeat inside eachBatch, the
 * runner's heartbeat while idle or between batches, fetch-error recovery, an expired membership —
 * goes through ConsumerGroup.joinAndSync(), whose first step, before JoinGroup is sent, is
 * `cluster.findGroupCoordinator({ groupId })` on the Cluster object kafkajs hands to partition
 * assigner factories (a public, typed API). The gate wraps that one method on that one consumer's
 * cluster: after the member has joined, the next call awaits `onRevoking` first. This is the only
 * place the processor relies on kafkajs internals; kafkajs is pinned, and an integration test
 * asserts that the hold happens on every rebalance.
 *
 * While it holds, the member is still in the old generation: the broker accepts its offset commits
 * during the group's PreparingRebalance state, and the gate keeps heartbeating (the broker answers
 * REBALANCE_IN_PROGRESS but refreshes the session), so the hold is bounded by the group's rebalance
 * timeout rather than the session timeout. `capMs` bounds it: then `onRevoking`'s signal aborts
 * and the rejoin goes ahead at most `graceMs` later.
 */
import type { PartitionAssigner } from 'kafkajs';
import type { Clock, Timer } from '../clock.js';

/** Heartbeat answers meaning the membership is gone: nothing is left to protect. */
const MEMBERSHIP_LOST = new Set(['ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID', 'FENCED_INSTANCE_ID']);

export interface RevokeGateOptions {
  readonly groupId: string;
  readonly clock: Clock;
  readonly heartbeatIntervalMs: number;
  /** Longest hold; then the signal aborts. Keep it below the group's rebalance timeout. */
  readonly capMs: number;
  /** Time left to onRevoking after its signal aborted (for its final commit). */
  readonly graceMs: number;
  /** Finishes the member's work; awaited before every rejoin after the first join. */
  readonly onRevoking: (signal: AbortSignal) => Promise<void>;
  readonly onError: (err: unknown) => void;
}

export interface RevokeGate {
  /** Wraps an assigner factory; the assigner itself (name, protocol, assign) is unchanged. */
  assigner(base: PartitionAssigner): PartitionAssigner;
  /** The member joined (GROUP_JOIN): the next rejoin is held. */
  joined(): void;
  /** The runner's heartbeat, from the latest eachBatch payload, for the keep-alive. */
  useHeartbeat(heartbeat: () => Promise<void>): void;
  /** True while a hold is in progress. */
  readonly holding: boolean;
}

interface GroupCluster {
  findGroupCoordinator(group: { groupId: string }): Promise<unknown>;
}

export function createRevokeGate(options: RevokeGateOptions): RevokeGate {
  const { clock } = options;
  let owned = false;
  let hold: Promise<void> | undefined;
  let heartbeat: (() => Promise<void>) | undefined;
  const patched = new WeakSet<object>();

  async function revoke(): Promise<void> {
    const abort = new AbortController();
    let keepAlive: Timer | undefined;
    const beat = (): void => {
      keepAlive = clock.setTimer(() => {
        heartbeat?.().catch((err: unknown) => {
          const type = (err as { type?: unknown }).type;
          if (typeof type === 'string' && MEMBERSHIP_LOST.has(type)) abort.abort(err);
        });
        if (!abort.signal.aborted) beat();
      }, options.heartbeatIntervalMs);
    };
    beat();
    const cap = clock.setTimer(() => abort.abort(new Error('revoke deadline')), options.capMs);
    const aborted = new Promise<void>((resolve) =>
      abort.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    try {
      await Promise.race([
        options.onRevoking(abort.signal),
        // The hold never outlives the cap, even if onRevoking ignores its signal.
        aborted.then(() => clock.sleep(options.graceMs)),
      ]);
    } catch (err) {
      options.onError(err);
    } finally {
      cap.cancel();
      keepAlive?.cancel();
    }
  }

  function beforeJoin(): Promise<void> | undefined {
    if (owned) {
      owned = false;
      hold = revoke().finally(() => (hold = undefined));
    }
    // A retried join during the hold waits for the same hold.
    return hold;
  }

  return {
    assigner(base) {
      return (context) => {
        const cluster = context.cluster as unknown as GroupCluster;
        if (!patched.has(cluster)) {
          patched.add(cluster);
          const find = cluster.findGroupCoordinator.bind(cluster);
          cluster.findGroupCoordinator = async (group) => {
            if (group.groupId === options.groupId) await beforeJoin();
            return find(group);
          };
        }
        return base(context);
      };
    },
    joined() {
      owned = true;
    },
    useHeartbeat(fn) {
      heartbeat = fn;
    },
    get holding() {
      return hold !== undefined;
    },
  };
}
