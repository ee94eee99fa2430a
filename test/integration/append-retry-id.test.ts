/**
 * A script that retries `mesh session append` after it was killed (or timed out) added the
 * message twice whenever the first run had stored it. With `--id ID` (the API's `id`, each of
 * `messages`' own) the retry adds nothing: the message held is returned, marked `already`. The
 * same id with another text is refused, nothing written. Real `mesh` processes: SIGKILLed at
 * random points of their append on a home with no daemon, and through a running `mesh join`
 * (the CLI, and an MCP client over stdio).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { describe, expect, it } from 'vitest'
import { BIN, type RunResult } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { spawnIn } from '../helpers/netns.js'

const h = cliHome()
const ok = (r: RunResult): RunResult => { expect(r.code, r.stderr).toBe(0); return r }

async function ids (key: string): Promise<string[]> {
  const show = JSON.parse(ok(await h.mesh('session', 'show', key, '--all', '--json')).stdout)
  return show.messages.map((m: { id: string }) => m.id)
}

describe('an append retried with the same id', () => {
  it('is added once when the first run was SIGKILLed anywhere in its append (no daemon)', async () => {
    ok(await h.mesh('session', 'new', 'retry'))
    const tries = 8
    for (let i = 0; i < tries; i++) {
      const args = ['session', 'append', 'retry', '--role', 'user', '--text', `step ${i}`, '--id', `step-${i}`]
      const first = spawnIn(undefined, process.execPath, [BIN, ...args, '--home', h.home], h.env)
      // Spread over the run: before the home is open, mid-write, after it stored; the last one
      // ends by itself (a retry after a timeout that came too soon).
      if (i < tries - 1) await new Promise(resolve => setTimeout(resolve, 150 + i * 120))
      else expect(await first.exited).toBe(0)
      await first.stop('SIGKILL')
      const again = ok(await h.mesh(...args))
      expect(again.stdout).toMatch(new RegExp(`^(appended step-${i} to agent:main:retry|agent:main:retry holds step-${i} already \\(an earlier append of it\\): not added again)\\n$`))
    }
    expect(await ids('retry')).toEqual(Array.from({ length: tries }, (_, i) => `step-${i}`))
  }, 240_000)

  it('says the message is held already, refuses the id with another text, and adds a new id', async () => {
    ok(await h.mesh('session', 'new', 'again'))
    expect(ok(await h.mesh('session', 'append', 'again', '--role', 'user', '--text', 'ship it', '--id', 'a')).stdout).toBe('appended a to agent:main:again\n')
    const held = JSON.parse(ok(await h.mesh('session', 'append', 'again', '--role', 'user', '--text', 'ship it', '--id', 'a', '--json')).stdout)
    expect(held).toMatchObject({ id: 'a', content: 'ship it', already: true })
    const other = await h.mesh('session', 'append', 'again', '--role', 'user', '--text', 'ship it now', '--id', 'a')
    expect(other.code).toBe(2)
    expect(other.stderr).toMatch(/holds a message a already, with another content/)
    // An empty id (an unset variable) is refused, nothing written, by the CLI and the API alike.
    const empty = await h.mesh('session', 'append', 'again', '--role', 'user', '--text', 'ship it', '--id', '')
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(/--id takes a non-empty id/)
    // Without an id, as before: each run adds one.
    ok(await h.mesh('session', 'append', 'again', '--role', 'user', '--text', 'ship it'))
    ok(await h.mesh('session', 'append', 'again', '--role', 'user', '--text', 'ship it'))
    const list = await ids('again')
    expect(list.length).toBe(3)
    expect(list[0]).toBe('a')
  }, 120_000)

  it('through a running mesh join: the CLI and an MCP client add each id once', async () => {
    const daemon = h.join()
    await daemon.waitFor(/^listening:/, 60_000)
    try {
      ok(await h.mesh('session', 'new', 'live'))
      ok(await h.mesh('session', 'append', 'live', '--role', 'user', '--text', 'one', '--id', 'one'))
      expect(ok(await h.mesh('session', 'append', 'live', '--role', 'user', '--text', 'one', '--id', 'one')).stdout).toBe('agent:main:live holds one already (an earlier append of it): not added again\n')
      const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--home', h.home], env: h.env as Record<string, string>, stderr: 'pipe' })
      const client = new Client({ name: 'mesh-test', version: '0' })
      await client.connect(transport)
      try {
        const append = async (messages: unknown[]): Promise<any> => {
          const r: any = await client.callTool({ name: 'sessions_append', arguments: { key: 'live', messages } })
          return r
        }
        const mixed = await append([{ role: 'user', content: 'one', id: 'one' }, { role: 'assistant', content: 'two', id: 'two' }])
        expect(mixed.isError, JSON.stringify(mixed.content)).not.toBe(true)
        expect(JSON.parse(mixed.content[0].text).map((m: any) => [m.id, m.already ?? false])).toEqual([['one', true], ['two', false]])
        const blank = await append([{ role: 'user', content: 'three', id: '' }])
        expect(blank.isError).toBe(true)
        expect(blank.content[0].text).toMatch(/a message's id is not empty/)
        const twice = await append([{ role: 'user', content: 'three', id: 'x' }, { role: 'user', content: 'four', id: 'x' }])
        expect(twice.isError).toBe(true)
        expect(twice.content[0].text).toMatch(/two messages of this append have the id x/)
      } finally {
        await client.close()
      }
      expect(await ids('live')).toEqual(['one', 'two'])
    } finally {
      await daemon.stop('SIGINT')
    }
  }, 180_000)
})
