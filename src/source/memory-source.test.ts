import { randomBytes } from 'node:crypto';
import { MemoryBroker } from './memory-broker.js';
import { createMemorySource } from './memory-source.js';
import { sourceContract } from './source.contract.js';

const broker = new MemoryBroker();
const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

sourceContract('in-memory', () => ({
  async createTopic(partitions) {
    const topic = unique('events');
    broker.createTopic(topic, partitions);
    return topic;
  },
  async produce(topic, messages) {
    broker.produce(topic, messages);
  },
  source: (groupId, topics) =>
    createMemorySource({ broker, groupId, topics, fromBeginning: true, maxBatchRecords: 7 }),
  groupId: () => unique('group'),
  async committed(groupId, topic) {
    const out = new Map<number, number>();
    for (let partition = 0; partition < broker.partitions(topic); partition++) {
      const offset = broker.committed(groupId, { topic, partition });
      if (offset !== undefined) out.set(partition, offset);
    }
    return out;
  },
  timeoutMs: 5000,
}));
