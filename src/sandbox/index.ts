/** The sandbox's public surface: start it in-process, read its views, inject faults. */
export { startSandbox } from './server.js';
export type { GroupRecords, Sandbox, UserRecords } from './server.js';
export type { SandboxOptions, SandboxOptionsInput } from './options.js';
export {
  DEFAULT_SANDBOX_PORT,
  SETTING_GROUPS,
  sandboxCommandSchema,
  sandboxSettingsSchema,
} from './settings.js';
export type {
  SandboxCohortSettings,
  SandboxCommandSettings,
  SandboxCredentials,
  SandboxSettings,
  SandboxSettingsInput,
  SettingGroup,
} from './settings.js';
export { SANDBOX_SETTING_KEYS, type SandboxSettingKey } from './setting-keys.js';
export type { FaultRule, FaultSpecInput } from './faults.js';
export type { SandboxStats } from './stats.js';
export type { EventRow } from './event-store.js';
export type { CohortDefinition, CohortDefinitionInput } from './cohorts/cohort-book.js';
export type {
  ConnectionView,
  SyncReport,
  WebhookConnectionInput,
} from './cohorts/webhook-pusher.js';
export { seededRandom } from '../random.js';
