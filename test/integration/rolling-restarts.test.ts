/**
 * Everyday operations during traffic, on the real broker and the sandbox: three members restarted
 * one by one (the SIGTERM path), a fourth joining and leaving, while /engage answers slowly and
 * events increment profile counters. Without a crash nothing may apply twice: every counter equals
 * the number of its events and every profile holds its latest $set.
 */
import { describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { usePipelineFixture, waitForCommitsAtEnd } from '../harness/pipeline.js';

const USERS = Array.from({ length: 40 }, (_, i) => `user-${i}`);

/** Message n: even ones increment the user's "Played" counter, odd ones $set its seq. */
function message(n: number): { key: string; value: Buffer } {
  const userId = USERS[Math.floor(n / 2) % USERS.length] as string;
  const timestamp = new Date(Date.now() - 60_000).toISOString();
  const body =
    n % 2 === 0
      ? { type: 'track', event: 'Played', userId, messageId: `play-${n}`, timestamp }
      : { type: 'identify', userId, messageId: `set-${n}`, timestamp, traits: { seq: n } };
  return { key: userId, value: Buffer.from(JSON.stringify(body)) };
}

describe('rolling restarts and scaling during traffic', () => {
  it('applies every profile operation once: counters exact, latest $set kept', async () => {
    const fixture = await usePipelineFixture({
      partitions: 6,
      config: {
        mapping: { eventIncrements: ['Played'] },
        batching: { lingerMs: 200, maxRecords: 100 },
        kafka: { commitIntervalMs: 500 },
      },
      sandbox: { faults: [{ endpoint: '/engage', rate: 1, mode: 'latency', delayMs: 700 }] },
    });
    const total = 4000;
    let produced = 0;
    /** Produces the next share of the traffic: it keeps flowing between operations. */
    const more = async (count: number): Promise<void> => {
      const next = Array.from({ length: count }, (_, i) => message(produced + i));
      produced += count;
      await fixture.produce(next);
    };

    const members: App[] = [];
    for (let i = 0; i < 3; i++) members.push(await fixture.startApp());
    await more(500);
    // Rolling restart: each member stops gracefully and a new one takes its place.
    for (let i = 0; i < 3; i++) {
      await more(400);
      expect((await (members[i] as App).stop()).code).toBe(0);
      members[i] = await fixture.startApp();
    }
    // Scale up to four, then back to three.
    const fourth = await fixture.startApp();
    await more(600);
    expect((await fourth.stop()).code).toBe(0);
    await more(total - produced);
    await waitForCommitsAtEnd(fixture);

    const all = Array.from({ length: total }, (_, n) => n);
    for (const userId of USERS) {
      const mine = all.filter((n) => USERS[Math.floor(n / 2) % USERS.length] === userId);
      const plays = mine.filter((n) => n % 2 === 0).length;
      const lastSet = Math.max(...mine.filter((n) => n % 2 === 1));
      const profile = fixture.sandbox.userRecords(userId).profile?.$properties;
      expect(profile?.['Played'], `Played counter of ${userId}`).toBe(plays);
      expect(profile?.['seq'], `latest $set of ${userId}`).toBe(lastSet);
    }
  });
});
