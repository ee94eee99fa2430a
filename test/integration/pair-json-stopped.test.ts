/**
 * `mesh pair --json` stopped by SIGTERM (or Ctrl-C) before any approval ended with the plain
 * line "stopped before pairing: nothing was written", where --json promises JSON: now stdout ends
 * with the event {"event":"stopped","paired":false} and stderr carries the error as every --json
 * error is ({"error":{"code":"ABORTED",…}}), exit 1 as before; without --json it is said in words.
 * Loopback only (no mDNS), a temp home, the process stopped by its own pid.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BIN, cliEnv } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let t: Awaited<ReturnType<typeof tempDir>>
beforeAll(async () => { t = await tempDir() })
afterAll(async () => { await t.cleanup() })

/** `mesh pair` into a new home, stopped by SIGTERM once stdout says `at`: its exit code, stdout and stderr. */
async function stoppedPair (home: string, json: boolean, at = /waiting/): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'pair', '--home', home, '--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--label', 'laptop', ...(json ? ['--json'] : [])], { env: cliEnv(t.dir), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const killer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
  const exited = new Promise<number | null>(resolve => child.once('exit', resolve))
  await new Promise<void>(resolve => {
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); if (at.test(stdout)) resolve() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    void exited.then(() => { resolve() })
  })
  child.kill('SIGTERM')
  const code = await exited
  clearTimeout(killer)
  return { code, stdout, stderr }
}

describe('mesh pair stopped before an approval', () => {
  it('--json: every line of stdout is JSON, ending with the stopped event; the error is JSON on stderr; nothing written', async () => {
    const home = join(t.dir, 'json')
    const r = await stoppedPair(home, true)
    const lines = r.stdout.trimEnd().split('\n')
    const events = lines.map(l => { try { return JSON.parse(l) } catch { throw new Error(`not JSON on stdout: ${l}\n${r.stdout}`) } })
    expect(events.map(e => e.event)).toEqual(['code', 'hint', 'waiting', 'stopped'])
    expect(events.at(-1)).toEqual({ event: 'stopped', paired: false })
    const errs = r.stderr.trimEnd().split('\n')
    expect(errs.map(l => { try { return JSON.parse(l) } catch { throw new Error(`not JSON on stderr: ${l}`) } }).at(-1).error).toMatchObject({ code: 'ABORTED', message: 'stopped before pairing: nothing was written' })
    expect(r.code).toBe(1)
    expect(existsSync(join(home, 'device.cert'))).toBe(false)
  }, 90_000)

  it('--json, stopped as soon as the code shows (the pairing node still starting): the same end', async () => {
    const r = await stoppedPair(join(t.dir, 'early'), true, /"event":"code"/)
    const events = r.stdout.trimEnd().split('\n').map(l => { try { return JSON.parse(l) } catch { throw new Error(`not JSON on stdout: ${l}\n${r.stdout}`) } })
    expect(events.at(-1), r.stdout).toEqual({ event: 'stopped', paired: false })
    expect(JSON.parse(r.stderr.trimEnd().split('\n').at(-1) as string).error.code).toBe('ABORTED')
    expect(r.code).toBe(1)
  }, 90_000)

  it('without --json: said in words on stderr, exit 1', async () => {
    const r = await stoppedPair(join(t.dir, 'text'), false)
    expect(r.stderr, JSON.stringify(r)).toBe('mesh: stopped before pairing: nothing was written\n')
    expect(r.code).toBe(1)
  }, 90_000)
})
