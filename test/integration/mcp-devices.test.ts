/**
 * The device tools of `mesh mcp`, driven by the MCP SDK's own client over stdio against two real
 * daemons of one wallet on loopback: `devices` lists what `mesh devices --json` lists;
 * `devices_revoke` is marked destructive, refuses unless `confirm` names the same device, never
 * revokes the device it runs on, and with a matching confirm cuts the other daemon off and says
 * so in words. No tool approves a pairing.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN, runCli } from '../helpers/cli.js'
import { pairForFile } from '../helpers/daemons-for-file.js'

const pair = pairForFile()

const textOf = (r: any): string => (r.content as Array<{ type: string, text?: string }>).map(c => c.text ?? '').join('\n')

/** A tool call that must fail: a tool result with isError, or a protocol error (the SDK's input check). */
async function refused (client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  try {
    const r = await client.callTool({ name, arguments: args })
    expect(r.isError, textOf(r)).toBe(true)
    return textOf(r)
  } catch (err) {
    return err instanceof Error ? err.message : String(err)
  }
}

describe('mesh mcp: device tools', () => {
  it('lists devices as `mesh devices --json` does, and revokes only a device named twice', async () => {
    const { a, b, env } = pair
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', a.home], env: env as Record<string, string>, stderr: 'pipe' })
    let stderr = ''
    transport.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    const client = new Client({ name: 'mesh-devices-test', version: '0' })
    try {
      await client.connect(transport)
      const { tools } = await client.listTools()
      const byName = new Map(tools.map(t => [t.name, t]))
      expect(byName.get('devices')?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false })
      expect(byName.get('devices_revoke')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: false })
      expect(Object.keys(byName.get('devices_revoke')?.inputSchema.properties ?? {}).sort()).toEqual(['confirm', 'device', 'reason'])
      expect(byName.get('devices_revoke')?.inputSchema.required?.sort()).toEqual(['confirm', 'device'])
      // Approving a pairing stays a person's decision: no tool grants, decides or pairs.
      expect(tools.map(t => t.name).filter(n => /approve|decide|pair|allbut|all_but/i.test(n))).toEqual([])

      // The list: the same devices and fields as the CLI's --json.
      const listed = await client.callTool({ name: 'devices', arguments: {} })
      expect(listed.isError, textOf(listed)).not.toBe(true)
      const viaMcp = JSON.parse(textOf(listed)) as any[]
      const viaCli = JSON.parse((await runCli(['devices', '--json', '--home', a.home], { env })).stdout) as any[]
      const stable = (d: any): unknown => ({ ...d, lastSeen: undefined, online: undefined })
      expect(viaMcp.map(stable)).toEqual(viaCli.map(stable))
      expect(viaMcp.map(d => Object.keys(d).sort())).toEqual(viaCli.map(d => Object.keys(d).sort()))
      expect(viaMcp.map(d => [d.label, d.self, d.online, d.enrolledBy])).toEqual([['alpha', true, true, 'wallet'], ['beta', false, true, 'wallet']])

      // Refusals: no confirm, a confirm naming another device, the device the agent runs on, nobody.
      expect(await refused(client, 'devices_revoke', { device: 'beta' })).toMatch(/confirm/)
      expect(await refused(client, 'devices_revoke', { device: 'beta', confirm: 'alpha' })).toMatch(/INVALID_INPUT: confirm names "alpha", not beta .*nothing was revoked/)
      expect(await refused(client, 'devices_revoke', { device: 'alpha', confirm: 'alpha' })).toMatch(/INVALID_INPUT: .*the device this agent runs on/)
      expect(await refused(client, 'devices_revoke', { device: 'nobody', confirm: 'nobody' })).toMatch(/NOT_FOUND/)
      // A field no tool takes is refused, as the schema's tools refuse one, not dropped unsaid
      // (a misspelt field of agents_resume, `dir` for `cwd`, wrote the files somewhere else).
      expect(await refused(client, 'devices_revoke', { device: 'nobody', confirm: 'nobody', force: true })).toMatch(/INVALID_INPUT: .*"force"/)
      expect(await refused(client, 'agents_resume', { key: 'agent:claude:nobody', dir: '/elsewhere' })).toMatch(/INVALID_INPUT: .*"dir"/)
      expect(tools.filter(t => t.inputSchema.additionalProperties !== false).map(t => t.name)).toEqual([])
      const still = JSON.parse((await runCli(['devices', '--json', '--home', a.home], { env })).stdout) as any[]
      expect(still.every(d => d.revoked === undefined)).toBe(true)

      // Named twice (label, then id): revoked, said in words, beta cut off by alpha.
      const r = await client.callTool({ name: 'devices_revoke', arguments: { device: 'beta', confirm: b.deviceId, reason: 'stolen' } })
      expect(r.isError, textOf(r)).not.toBe(true)
      expect(textOf(r)).toMatch(new RegExp(`^Revoked beta \\(${b.deviceId}\\): every connected device cut it off`))
      expect(textOf(r)).toMatch(/cannot be undone/)
      expect(textOf(r)).toMatch(/vault key was rotated \(rotation 1\)/)
      expect(r.structuredContent).toMatchObject({ revoked: [{ deviceId: b.deviceId, label: 'beta' }], owed: false })
      await b.proc.waitFor(/lost\s+alpha/, 30_000)
      const after = JSON.parse(textOf(await client.callTool({ name: 'devices', arguments: {} }))) as any[]
      expect(after.find(d => d.label === 'beta')).toMatchObject({ online: false, revoked: { by: ['alpha'], reason: 'stolen' } })
      expect(await refused(client, 'devices_revoke', { device: 'beta', confirm: 'beta' })).toMatch(/^INVALID_INPUT: beta was already revoked at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC by alpha.*: nothing to do/)
    } finally {
      await client.close()
    }
    expect(stderr).not.toMatch(/failed:/)
  })

  it('a device that is no admin (beta, revoked) is refused through its daemon, told in words what a person does, never `--wallet PATH`', async () => {
    const { b, env } = pair
    // The first test revoked beta: its daemon knows, so it is no admin any more.
    await b.proc.waitFor(/^REVOKED\s/, 30_000)
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', b.home], env: env as Record<string, string>, stderr: 'pipe' })
    const client = new Client({ name: 'mesh-devices-test', version: '0' })
    let text: string
    try {
      await client.connect(transport)
      const r = await client.callTool({ name: 'devices_revoke', arguments: { device: 'alpha', confirm: 'alpha' } })
      expect(r.isError, textOf(r)).toBe(true)
      text = textOf(r)
      expect((r.structuredContent as any).error).toMatchObject({ code: 'NOT_ADMIN' })
    } finally {
      await client.close()
    }
    // The hint crossed the daemon's socket whole, and MCP picked its own words: the tool that
    // shows who is an admin, and what a person does with the wallet (the tool takes none).
    expect(text).toBe('NOT_ADMIN: this device (beta) is not an admin: revoke from an admin device (the devices tool lists the admin capability of each), or a person revokes it on this device with the wallet')
    expect(text).not.toMatch(/`?mesh [a-z]|--[a-z]/)
    // The CLI, on the same device and daemon, says it as before.
    const cli = await runCli(['devices', 'revoke', 'alpha', '--yes', '--home', b.home], { env })
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain('this device (beta) is not an admin: revoke from an admin device, or pass the wallet (--wallet PATH)')
  })
})
