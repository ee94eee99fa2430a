/**
 * `mesh agent list` names this device's own lease the same way on every row, as a user meets it:
 * real `mesh` processes on a temp home. A session in mesh whose file is not on this machine (a
 * remote-only row) held by this device says `lease: this device`, as a local row does, not the
 * device's label.
 */
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/openclaw/agents', import.meta.url))
const SID = '3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73'
const KEY = `agent:openclaw:${SID}`
const h = cliHome()

describe('mesh agent list, this device\'s lease', () => {
  it('says `lease: this device` on a remote-only row as on a local one', async () => {
    const label = await h.mesh('init', '--label', 'laptop', '--wallet', join(h.dir, 'wallet.json'))
    expect(label.code, label.stderr).toBe(0)
    const agents = join(h.env.HOME as string, '.openclaw', 'agents')
    await cp(FIX, agents, { recursive: true })
    const imp = await h.mesh('agent', 'import', 'openclaw', '--session', SID)
    expect(imp.code, imp.stderr).toBe(0)
    const take = await h.mesh('lease', 'take', KEY)
    expect(take.code, take.stderr).toBe(0)

    const local = await h.mesh('agent', 'list', 'openclaw')
    expect(local.stdout).toMatch(/in mesh as agent:openclaw:\S+\t[^\t]*lease: this device\t/)

    await rm(join(agents, 'main', 'sessions', `${SID}.jsonl`))
    const remote = await h.mesh('agent', 'list', 'openclaw')
    expect(remote.code, remote.stderr).toBe(0)
    const row = remote.stdout.split('\n').find(l => l.includes('remote-only')) ?? ''
    expect(row).toContain('remote-only, lease: this device')
    expect(row).not.toContain('lease: laptop')
  }, 120_000)
})
