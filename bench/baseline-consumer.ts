/**
 * The bare consumer of the end-to-end benchmark (an informational row): kafkajs eachBatch doing no
 * work at all, not even parsing, over the same records as the processor. Prints `first` when the
 * first batch arrives and `done` once it has seen <count> records, then idles until stopped (the
 * benchmark reads its CPU from /proc at both lines).
 * Usage: node --import tsx bench/baseline-consumer.ts <brokers> <topic> <groupId> <count>
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
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
  eachBatch: async ({ batch }) => {
    if (seen === 0) process.stdout.write('first\n');
    const before = seen;
    seen += batch.messages.length;
    if (before < count && seen >= count) process.stdout.write('done\n');
  },
});
