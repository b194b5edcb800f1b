/** The sandbox's public surface: start it in-process, read its views, inject faults. */
export { startSandbox } from './server.js';
export type { GroupRecords, Sandbox, UserRecords } from './server.js';
export type { SandboxCredentials, SandboxOptions, SandboxOptionsInput } from './options.js';
export { DEFAULT_SANDBOX_PORT, sandboxDefaults } from './options.js';
export type { FaultRule, FaultSpecInput } from './faults.js';
export type { SandboxStats } from './stats.js';
export type { EventRow } from './event-store.js';
export { seededRandom } from '../random.js';
