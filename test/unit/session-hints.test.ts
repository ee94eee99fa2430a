/**
 * Two refusals of the sessions and doctor areas, as MCP says them (toolError) and as the CLI does:
 * a read-only device asked to take a session's lease, and a quarantine id that names nothing. The
 * CLI's words stay word for word; MCP's name the tool to call, never a `mesh …` command or a flag.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createLocalApi } from '../../src/api/index.js'
import { toolError } from '../../src/api/mcp.js'
import { messageFor } from '../../src/errors.js'
import { newVault } from '../helpers/vault.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => { for (const c of cleanups.reverse()) await c(); cleanups.length = 0 })

async function refusal (run: () => Promise<unknown>): Promise<{ cli: string, mcp: string }> {
  let err: unknown
  try { await run() } catch (e) { err = e }
  expect(err, 'it throws').toBeInstanceOf(Error)
  return { cli: messageFor(err, 'cli'), mcp: (toolError(err).content[0] as { text: string }).text }
}

describe('session and doctor refusals per front-end', () => {
  it('a read-only device asked to take the lease: the CLI says resume without --take, MCP without take', async () => {
    // Enrolled read-only: its certificate gives it read alone.
    const ro = await newVault({ readOnly: true, label: 'tablet' })
    const api = await createLocalApi({ vault: ro.vault })
    cleanups.push(async () => { await api.close(); await ro.cleanup() })
    const r = await refusal(async () => await api.call('sessions.resume', { key: 'agent:main:x', take: true }))
    expect(r.cli).toMatch(/is read-only: it can follow agent:main:x but not take its driver lease\. Resume without --take to read it$/)
    expect(r.mcp).toMatch(/^READ_ONLY: .* is read-only: it can follow agent:main:x but not take its driver lease\. Call sessions_resume without take to read it$/)
    expect(r.mcp).not.toMatch(/`?mesh [a-z]|--[a-z]/)
  })

  it('dropping a quarantine id that names nothing: the CLI names `mesh doctor`, MCP the doctor tool', async () => {
    const v = await newVault()
    const api = await createLocalApi({ vault: v.vault })
    cleanups.push(async () => { await api.close(); await v.cleanup() })
    const r = await refusal(async () => await api.call('doctor.drop', { id: 'nope' }))
    expect(r.cli).toBe('nothing in quarantine and no damaged file has the id nope (`mesh doctor` lists them)')
    expect(r.mcp).toBe('NOT_FOUND: nothing in quarantine and no damaged file has the id nope (the doctor tool lists them)')
  })
})
