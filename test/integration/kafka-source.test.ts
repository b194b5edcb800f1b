import { systemClock } from '../../src/clock.js';
import { configSchema } from '../../src/config/schema.js';
import { createKafka } from '../../src/kafka/client.js';
import { silentLogger } from '../../src/log.js';
import { createKafkaSource } from '../../src/source/kafka-source.js';
import { sourceContract } from '../../src/source/source.contract.js';
import {
  committedOffsets,
  createTopic,
  testBrokers,
  testKafka,
  uniqueName,
} from '../harness/kafka/client.js';

const admin = testKafka('source-contract');

sourceContract('kafkajs on a real broker', () => ({
  async createTopic(partitions) {
    const topic = uniqueName('contract');
    await createTopic(admin, topic, partitions);
    return topic;
  },
  async produce(topic, messages) {
    const producer = admin.producer();
    await producer.connect();
    await producer.send({ topic, messages: [...messages] });
    await producer.disconnect();
  },
  source(groupId, topics) {
    const config = configSchema.parse({
      mixpanel: { projectToken: 't' },
      kafka: {
        brokers: testBrokers(),
        groupId,
        topics,
        heartbeatIntervalMs: 500,
        sessionTimeoutMs: 6000,
        maxWaitTimeMs: 100,
      },
    }).kafka;
    const logger = silentLogger();
    return createKafkaSource({
      kafka: createKafka(config, logger),
      config,
      logger,
      clock: systemClock,
    });
  },
  groupId: () => uniqueName('contract-group'),
  async committed(groupId, topic) {
    const committed = await committedOffsets(admin, groupId, topic);
    return new Map([...committed].filter(([, o]) => o >= 0n).map(([p, o]) => [p, Number(o)]));
  },
  timeoutMs: 60_000,
}));
