/**
 * `mesh agent resume` on a device that writes nothing, as a newcomer met it: a revoked laptop
 * (or a read-only one) was refused ("it cannot write (sessions.takeLease)"), though it holds the
 * session and `mesh agent export` worked, so the session could not be opened in its agent there.
 * It now writes the agent's files with no lease taken, and says why and what that means. Two real
 * daemons of one wallet on loopback, a real rollout imported on one and restored on the other.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../helpers/cli.js'
import { pairForFile } from '../helpers/daemons-for-file.js'
import { poll } from '../helpers/wait.js'

const ID = '0193a7c2-5e4f-7a10-8b2c-0000000e0e01'
const KEY = `agent:codex:${ID}`
const pair = pairForFile()

describe('mesh agent resume on a revoked device', () => {
  it('writes the agent\'s files with no lease taken, and says why', async () => {
    const dir = pair.dir
    const day = join(dir, 'codex-a', 'sessions', '2026', '12', '01')
    await mkdir(day, { recursive: true })
    const rollout = join(day, `rollout-2026-12-01T10-00-00-${ID}.jsonl`)
    const meta = JSON.stringify({ timestamp: '2026-12-01T10:00:00.000Z', type: 'session_meta', payload: { id: ID, timestamp: '2026-12-01T10:00:00.000Z', cwd: '/home/alice/src/ro', originator: 'codex_cli_rs', cli_version: '0.60.0' } })
    const msg = JSON.stringify({ timestamp: '2026-12-01T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'read me there' }] } })
    await writeFile(rollout, [meta, msg].join('\n') + '\n')
    const envA = { ...pair.env, CODEX_HOME: join(dir, 'codex-a') }
    const envB = { ...pair.env, CODEX_HOME: join(dir, 'codex-b') }
    const imp = await runCli(['agent', 'import', 'codex', '--file', rollout, '--home', pair.a.home], { env: envA })
    expect(imp.code, imp.stderr).toBe(0)
    await poll('the session on beta', async () => (await runCli(['session', 'show', KEY, '--tail', '0', '--home', pair.b.home], { env: envB })).code === 0)

    expect((await runCli(['devices', 'revoke', 'beta', '--yes', '--home', pair.a.home], { env: envA })).code).toBe(0)
    await pair.b.proc.waitFor(/^REVOKED/, 30_000)

    await mkdir(join(dir, 'work'))
    const r = await runCli(['agent', 'resume', KEY, '--cwd', join(dir, 'work'), '--home', pair.b.home], { env: envB })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^no lease taken: this device \(beta\) was revoked by alpha at .+?\. The files are written to read and continue here, but what codex adds here stays on this machine: this device writes nothing to mesh$/m)
    expect(r.stdout).not.toContain('sessions.takeLease')
    expect(r.stdout).toContain(`codex resume ${ID}`)
    const written = join(dir, 'codex-b', 'sessions', '2026', '12', '01', `rollout-2026-12-01T10-00-00-${ID}.jsonl`)
    expect(await readFile(written, 'utf8')).toContain('read me there')
    // --json says it too, for a script or an agent (agents_resume returns the same).
    const again = await runCli(['agent', 'resume', KEY, '--cwd', join(dir, 'work'), '--json', '--home', pair.b.home], { env: envB })
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout).notWritable).toMatch(/^this device \(beta\) was revoked by alpha/)
  }, 180_000)
})
