/** Document names, hashed into opaque ids under the vault's doc-id key before they touch disk or wire. */
import type { SessionKey } from './session-key.js'

export const DOC_NAMES = {
  sessionsIndex: 'mesh/doc/sessions-index/v1',
  memory: 'mesh/doc/memory/v1',
  skills: 'mesh/doc/skills/v1',
  session: (key: SessionKey): string => `mesh/doc/session/v1/${key}`
} as const
