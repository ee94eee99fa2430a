/**
 * The daemon's young generation (src/cli/daemon-heap.ts): `mesh join` sets it before bin/mesh.js
 * loads the CLI's modules, whose loading alone grows V8's young generation from 1 MB to 4 MB per
 * semi-space; set later, the daemon kept that size, and its scavenges (every struct of a session
 * being loaded survives them) held the event loop for tens of milliseconds. A probe loaded
 * before bin/mesh.js (NODE_OPTIONS --import) reports the young generation's size at exit.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runsDaemon } from '../../src/cli/daemon-heap.js'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

const PROBE = `import { getHeapSpaceStatistics } from 'node:v8'
process.on('exit', () => { process.stderr.write('new-space ' + getHeapSpaceStatistics().find(s => s.space_name === 'new_space').space_size + '\\n') })
`

async function youngGeneration (args: string[]): Promise<number> {
  const t = await tempDir()
  onTestFinished(t.cleanup)
  const probe = join(t.dir, 'probe.mjs')
  await writeFile(probe, PROBE)
  const r = await runCli(args, { env: cliEnv(t.dir, { NODE_OPTIONS: `--import=${pathToFileURL(probe).href}` }) })
  expect(r.code).toBe(0)
  const m = /new-space (\d+)/.exec(r.stderr)
  if (m === null) throw new Error(`the probe reported nothing: ${r.stderr}`)
  return Number(m[1])
}

describe('the daemon heap', () => {
  it('is what `mesh join` runs under from its start: the young generation does not grow while the CLI loads', async () => {
    // Both load the same modules (main.js and every command's); only join keeps its young generation small.
    const join = await youngGeneration(['join', '--help'])
    const status = await youngGeneration(['status', '--help'])
    expect(join).toBeLessThanOrEqual(2 * 1024 * 1024)
    expect(status).toBeGreaterThan(join) // the probe sees the growth a command without the daemon heap has
  })

  it('names the command as main() does: the first argument that is not a flag', () => {
    expect(runsDaemon(['join'])).toBe(true)
    expect(runsDaemon(['--json', 'join', '--listen', '/ip4/127.0.0.1/tcp/0'])).toBe(true)
    expect(runsDaemon(['status'])).toBe(false)
    expect(runsDaemon(['session', 'show', 'join'])).toBe(false)
    expect(runsDaemon([])).toBe(false)
  })
})
