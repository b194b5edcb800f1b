/**
 * The baseline of the end-to-end benchmark: a bare kafkajs consumer (eachBatch, no work) reading
 * the same records as the processor. Prints {"events","seconds"} measured from the first batch to
 * the last record. Usage: tsx bench/baseline-consumer.ts <brokers> <topic> <groupId> <count>
 */
import { Kafka, logLevel } from 'kafkajs';

const [brokers = '', topic = '', groupId = '', countText = '0'] = process.argv.slice(2);
const count = Number(countText);
const kafka = new Kafka({
  clientId: 'bench-baseline',
  brokers: brokers.split(','),
  logLevel: logLevel.NOTHING,
});
const consumer = kafka.consumer({ groupId, maxBytesPerPartition: 1024 * 1024 });
let seen = 0;
let first = 0;
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await new Promise<void>((resolve) => {
  void consumer.run({
    eachBatch: async ({ batch }) => {
      if (seen === 0) first = performance.now();
      seen += batch.messages.length;
      if (seen >= count) resolve();
    },
  });
});
const seconds = (performance.now() - first) / 1000;
process.stdout.write(`${JSON.stringify({ events: seen, seconds })}\n`);
await consumer.disconnect();
process.exit(0);
