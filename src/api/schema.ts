/**
 * The one schema of the local API: every method and event, typed once with zod. The unix-socket
 * RPC, the HTTP routes and their OpenAPI document, the MCP tools and the TypeScript client are
 * all derived from this table, so a method added here appears everywhere.
 *
 * Front-ends never import this at run time on a hot path (the CLI only needs method names);
 * the daemon validates every input against it before anything runs.
 *
 * Each area's data schemas and methods live in their own module (schema-<area>.ts); this file
 * composes them into METHODS.
 */
import type { z } from 'zod'
import { AGENT_FOLLOW_METHODS, AGENT_IMPORT_METHODS } from './schema-agents.js'
import { DEVICE_ADMIN_METHODS, DEVICE_LIST_METHODS } from './schema-devices.js'
import { DOCTOR_METHODS } from './schema-doctor.js'
import { MEMORY_METHODS } from './schema-memory.js'
import { NODE_METHODS } from './schema-node.js'
import { SESSION_METHODS } from './schema-sessions.js'
import { SKILL_METHODS, SKILL_REMOVAL_METHODS } from './schema-skills.js'

export { ToolCallSchema, ToolResultSchema, MessageSchema, LeaseSchema, TaskSchema, SessionSummarySchema, SessionViewSchema, ResumeSchema } from './schema-sessions.js'
export { MemoryEntrySchema } from './schema-memory.js'
export { SkillSchema, SkillTombstoneSchema, SkillSummarySchema } from './schema-skills.js'
export { TransferSchema, PeerSchema, StatusSchema } from './schema-node.js'
export { DeviceSchema, PairingReviewSchema } from './schema-devices.js'
export { QuarantinedSchema, ForkSchema } from './schema-doctor.js'
export { NativeRecordSchema } from './schema-agents.js'
export { EventSchema, type ApiEvent, type ApiEventType } from './schema-events.js'

export interface McpHints { readOnly: boolean, destructive: boolean, idempotent: boolean }

export interface MethodDef {
  /** One line an agent can act on; also the MCP tool's description and the OpenAPI summary. */
  summary: string
  input: z.ZodObject
  output: z.ZodType
  http: {
    verb: 'GET' | 'POST' | 'PUT' | 'DELETE'
    path: string
    /**
     * Over HTTP, an answer whose boolean field `when` is false is a 404 NOT_FOUND saying `message`
     * (`{param}`: the path's): a DELETE of nothing answers as a GET of it does, and as the CLI
     * (exit 2). The method still answers false elsewhere (MCP, the socket), where a call made again
     * is no failure.
     */
    notFound?: { when: string, message: string }
  }
  /** The MCP tool name, when the method is offered to agents as a tool. */
  mcp?: string
  /**
   * What the tool tells an agent host (MCP tool annotations), which asks its user before a call
   * that is not read-only and warns of a destructive one. Said per method, never read off the HTTP
   * verb (a POST may replace a skill's files, a DELETE may only release a lease); every method
   * with `mcp` has it. `readOnly`: changes nothing. `destructive`: may replace or remove what was
   * there, not only add. `idempotent`: the same call again has no further effect.
   */
  mcpHints?: McpHints
  /** Changes data (refused on a read-only device before anything runs). */
  writes?: boolean
}

/**
 * In the order methods were added, not by area: this order is the OpenAPI document's paths
 * (web/openapi.json), the order HTTP routes are tried in and the MCP tools are listed in. A new
 * group goes at the end.
 */
export const METHODS = {
  ...NODE_METHODS,
  ...DEVICE_LIST_METHODS,
  ...SESSION_METHODS,
  ...MEMORY_METHODS,
  ...SKILL_METHODS,
  ...AGENT_IMPORT_METHODS,
  ...DEVICE_ADMIN_METHODS,
  ...DOCTOR_METHODS,
  ...SKILL_REMOVAL_METHODS,
  ...AGENT_FOLLOW_METHODS
} as const satisfies Record<string, MethodDef>

export type MethodName = keyof typeof METHODS
export type Input<M extends MethodName> = z.input<(typeof METHODS)[M]['input']>
export type Output<M extends MethodName> = z.output<(typeof METHODS)[M]['output']>

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[]

export function isMethodName (name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(METHODS, name)
}
