/**
 * `mesh agent export KEY --as claude` writes a Claude Code transcript: it said only "wrote FILE",
 * so a person did not learn the new session's id, where Claude Code looks for it or how to
 * continue it, and without --cwd the file kept the desk's paths even where the project is here.
 * Now it says them as `mesh agent resume` does: the session id, the transcript's place under
 * CLAUDE_CONFIG_DIR for the project's directory here (--cwd, else found as resume finds it), and
 * the command, which a person runs as printed (here with a stand-in `claude` on PATH that says
 * where it was started and with what); --cwd that is no directory is refused as resume refuses it.
 * Real `mesh` processes on a home of their own, the Hermes and Claude Code fixtures imported.
 */
import { spawnSync } from 'node:child_process'
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { sanitizePath } from '../../src/agents/index.js'
import { cliHome } from '../helpers/cli-home.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const H1 = '20261120_080000_a1b2c3'
const SID = '5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90'
const OLD_CWD = '/home/alice/src/app'
const h = cliHome(d => ({ CLAUDE_CONFIG_DIR: join(d, 'claude') }))

describe('mesh agent export --as claude', () => {
  it('says the session id, where Claude Code looks for it and the command that continues it, with the cwd mapped', async () => {
    const file = join(h.dir, 'hermes-export.jsonl')
    await cp(join(FIX, 'hermes', 'export.jsonl'), file)
    const imp = await h.mesh('agent', 'import', 'hermes', '--file', file)
    expect(imp.code, imp.stderr).toBe(0)
    const cwd = join(h.dir, 'src', 'app')
    await mkdir(cwd, { recursive: true })

    const outFile = join(h.dir, 'as-claude.jsonl')
    const j = await h.mesh('agent', 'export', `agent:hermes:${H1}`, '--as', 'claude', '--cwd', cwd, '--out', outFile, '--json')
    expect(j.code, j.stderr).toBe(0)
    const r = JSON.parse(j.stdout)
    const place = join(h.dir, 'claude', 'projects', sanitizePath(cwd), `${r.sessionId as string}.jsonl`)
    expect(r).toMatchObject({ sessionId: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-/), cwd, from: OLD_CWD, claudePath: place })
    const lines = (await readFile(outFile, 'utf8')).trim().split('\n').map(l => JSON.parse(l))
    expect(lines.every(o => o.sessionId === r.sessionId && o.cwd === cwd)).toBe(true)

    const text = await h.mesh('agent', 'export', `agent:hermes:${H1}`, '--as', 'claude', '--cwd', cwd, '--out', outFile, '--force')
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`Claude Code session ${r.sessionId as string}, paths rewritten from ${OLD_CWD} to ${cwd}`)
    expect(text.stdout).toContain(`continue it with (Claude Code looks for it at ${place}):`)
    const command = (text.stdout.split('\n').find(l => l.startsWith('  ') && l.includes('claude --resume')) ?? '').trim()
    expect(command).toBe(r.command)
    // --redact: a copy to share, not said to be one to continue, nor where Claude Code looks.
    const shared = await h.mesh('agent', 'export', `agent:hermes:${H1}`, '--as', 'claude', '--cwd', cwd, '--redact', '--out', join(h.dir, 'share.jsonl'))
    expect(shared.code, shared.stderr).toBe(0)
    expect(shared.stdout).toContain('a copy to read or share, not to continue')
    expect(shared.stdout).not.toContain('continue it with')
    expect(shared.stdout).not.toContain('Claude Code looks for it')
    const sharedJson = JSON.parse((await h.mesh('agent', 'export', `agent:hermes:${H1}`, '--as', 'claude', '--cwd', cwd, '--redact', '--force', '--out', join(h.dir, 'share.jsonl'), '--json')).stdout)
    expect(sharedJson.command).toBeUndefined()
    expect(sharedJson.claudePath).toBeUndefined()

    // The command as printed, a stand-in `claude` on PATH: the file lands where Claude Code looks,
    // and claude is started in the project's directory with the session's id.
    const bin = join(h.dir, 'bin')
    await mkdir(bin, { recursive: true })
    await writeFile(join(bin, 'claude'), '#!/bin/sh\necho "started in $PWD with $*"\n')
    await chmod(join(bin, 'claude'), 0o755)
    const ran = spawnSync('sh', ['-c', command], { env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` }, encoding: 'utf8' })
    expect(ran.status, ran.stderr).toBe(0)
    expect(ran.stdout.trim()).toBe(`started in ${cwd} with --resume ${r.sessionId as string}`)
    expect(await readFile(place, 'utf8')).toBe(await readFile(outFile, 'utf8'))

    // Without --cwd, the recorded cwd is not here: the paths are kept, said so, and no command given.
    const kept = await h.mesh('agent', 'export', `agent:hermes:${H1}`, '--as', 'claude', '--out', join(h.dir, 'kept.jsonl'))
    expect(kept.code, kept.stderr).toBe(0)
    expect(kept.stdout).toContain(`Claude Code session ${r.sessionId as string}, paths as recorded (${OLD_CWD}, not a directory here: --cwd DIR maps them to this machine's clone)`)
    expect(kept.stdout).not.toContain('continue it with')

    // `--cwd=~/src/app`, which no shell expands: the home's src/app.
    const tilde = join(h.dir, 'user', 'src', 'app')
    await mkdir(tilde, { recursive: true })
    const home = await h.mesh('agent', 'export', `agent:hermes:${H1}`, '--as', 'claude', '--cwd=~/src/app', '--out', join(h.dir, 'tilde.jsonl'), '--json')
    expect(home.code, home.stderr).toBe(0)
    expect(JSON.parse(home.stdout)).toMatchObject({ cwd: tilde, claudePath: join(h.dir, 'claude', 'projects', sanitizePath(tilde), `${JSON.parse(home.stdout).sessionId as string}.jsonl`) })

    // A --cwd that is no directory here is refused, as resume refuses it.
    const typo = await h.mesh('agent', 'export', `agent:hermes:${H1}`, '--as', 'claude', '--cwd', join(h.dir, 'nope'), '--out', join(h.dir, 'typo.jsonl'))
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain('is not a directory on this machine')
  }, 120_000)

  it('of a Claude Code session: its own id, and resume (which brings its side files) as the way on', async () => {
    const project = join(h.dir, 'claude', 'projects', sanitizePath(OLD_CWD))
    await mkdir(project, { recursive: true })
    await cp(join(FIX, 'claude', `${SID}.jsonl`), join(project, `${SID}.jsonl`))
    const imp = await h.mesh('agent', 'import', 'claude', '--session', SID)
    expect(imp.code, imp.stderr).toBe(0)
    const cwd = join(h.dir, 'src', 'app')
    const r = await h.mesh('agent', 'export', `agent:claude:${SID}`, '--as', 'claude', '--cwd', cwd, '--out', join(h.dir, 'own.jsonl'))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`Claude Code session ${SID}, paths rewritten from ${OLD_CWD} to ${cwd}`)
    expect(r.stdout).toContain(`  mesh agent resume agent:claude:${SID} --cwd ${cwd}`)
  }, 120_000)
})
