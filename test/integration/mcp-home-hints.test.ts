/**
 * A home `mesh mcp` cannot open, through the MCP SDK's own client over stdio (no daemon: each call
 * opens the home): a home that lost its certificate, one whose certificate does not verify, and a
 * blind mirror's. No tool mends any of them, so the agent is told what happened and what a person
 * does, in words: never a `mesh …` command or a --flag it cannot run. The CLI, for the same homes,
 * still names its commands word for word.
 */
import { readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeNewWallet } from '../../src/identity/index.js'
import { BIN, cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv
let wallet: string
let address: string

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir())
  env = cliEnv(join(dir, 'user'))
  wallet = join(dir, 'wallet.json')
  address = (await writeNewWallet(wallet)).address
})
afterAll(async () => { await cleanup() })

const textOf = (r: any): string => (r.content as Array<{ type: string, text?: string }>).map(c => c.text ?? '').join('\n')
/** What an agent must never be told to run: a mesh command, or a flag. */
const CLI_WORDS = /`?mesh [a-z]|--[a-z]/

/** The text of one tool call's error, as an agent reads it, from `mesh mcp` on this home. */
async function toolErrorText (home: string, name: string, args: Record<string, unknown> = {}): Promise<{ text: string, error: any }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', home], env: env as Record<string, string>, stderr: 'pipe' })
  const client = new Client({ name: 'mesh-home-hints', version: '0' })
  try {
    await client.connect(transport)
    const r = await client.callTool({ name, arguments: args })
    expect(r.isError, textOf(r)).toBe(true)
    return { text: textOf(r), error: (r.structuredContent as any).error }
  } finally {
    await client.close()
  }
}

async function init (home: string, ...more: string[]): Promise<void> {
  const r = await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'desk', ...more], { env })
  expect(r.code, r.stderr).toBe(0)
}

describe('mesh mcp on a home it cannot open: what happened, and what a person does, never a mesh command', () => {
  it('a home that lost its certificate', async () => {
    const home = join(dir, 'lost')
    await init(home)
    await rm(join(home, 'device.cert'))
    const fact = `home ${home} has lost its certificate (device.cert); its vault.keys belongs to wallet ${address}`
    const { text, error } = await toolErrorText(home, 'sessions_list')
    expect(text).toBe(`HOME_CORRUPT: ${fact}. No tool can mend it: a person certifies this device again with that wallet, on this machine; a device paired without the wallet is paired again, into a new home`)
    expect(text).not.toMatch(CLI_WORDS)
    expect(error).toMatchObject({ code: 'HOME_CORRUPT', details: { home, homeWallet: address } })
    const cli = await runCli(['sessions', '--home', home], { env })
    expect(cli.code).toBe(1)
    expect(cli.stderr).toContain(`${fact}. Certify this device again with that wallet: \`mesh init --home ${home} --wallet PATH\`; a device paired without the wallet pairs again into a new home (\`mesh pair --home DIR\`)`)
  })

  it('a certificate that does not verify', async () => {
    const home = join(dir, 'garbled')
    await init(home)
    await writeFile(join(home, 'device.cert'), 'not a certificate')
    const fact = `the certificate in ${home} does not verify: certificate is not a valid encoding`
    const { text } = await toolErrorText(home, 'sessions_list')
    expect(text).toBe(`HOME_CORRUPT: ${fact}. No tool can mend it: a person re-issues it with the wallet, on this machine`)
    expect(text).not.toMatch(CLI_WORDS)
    const cli = await runCli(['sessions', '--home', home], { env })
    expect(cli.stderr).toContain(`${fact}. Run \`mesh init\` with the wallet to re-issue it`)
    // What it says works: the certificate is moved aside, and the same device is certified again.
    const before = (await readdir(home)).filter(n => n === 'device.key')
    const mended = await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'garbled'], { env })
    expect(mended.code, mended.stderr).toBe(0)
    expect(mended.stderr).toMatch(new RegExp(`^note: ${join(home, 'device.cert').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} did not verify \\(certificate is not a valid encoding\\): moved to .*device\\.cert\\.damaged-\\d+, and this device is certified again with the wallet`))
    expect(before).toEqual(['device.key'])
    expect((await runCli(['sessions', '--home', home], { env })).code).toBe(0)
    expect((await readdir(home)).filter(n => n.startsWith('device.cert.damaged-'))).toHaveLength(1)
  })

  it('a blind mirror\'s home: the agent is pointed at a member device, not at `mesh join --mirror`', async () => {
    const home = join(dir, 'mirror')
    const r = await runCli(['init', '--home', home, '--wallet', wallet, '--label', 'vps', '--mirror'], { env })
    expect(r.code, r.stderr).toBe(0)
    const fact = `home ${home} is a blind mirror: it holds no vault key, so nothing in it can be read or written here`
    const { text, error } = await toolErrorText(home, 'sessions_list')
    expect(text).toBe(`MISSING_CAPABILITY: ${fact}. No tool reads it: sessions, memory and skills are read on a member device, so a person gives this MCP server a member's home instead`)
    expect(text).not.toMatch(CLI_WORDS)
    expect(error).toMatchObject({ code: 'MISSING_CAPABILITY', details: { home, reason: 'mirror' } })
    const cli = await runCli(['sessions', '--home', home], { env })
    // Never carried out on a mirror: bad input, as a read-only device asked to write (mirror-reads-refused.test.ts).
    expect(cli.code).toBe(2)
    expect(cli.stderr).toContain(`${fact}. Run \`mesh join --mirror\` on it, and read on a member device`)
  })
})
