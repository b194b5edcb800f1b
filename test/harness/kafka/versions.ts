/** The broker the harness runs: Apache Kafka from Maven Central (see pom.xml). */
export const KAFKA_VERSION = '3.9.1';
export const SCALA_VERSION = '2.13';
