/**
 * The examples run as a user would run them, through the package's public name: examples/agent.ts,
 * examples/demo.ts, and the README's SDK example as it is written there, twice on one home (a
 * second run died with SessionExistsError: its session was made by the first).
 */
import { execFileSync } from 'node:child_process'
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { cliEnv, ROOT, runCli, runProcess } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

describe('examples', () => {
  it('examples/agent.ts runs and resumes its session', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'examples', 'agent.js')], { encoding: 'utf8' })
    expect(out).toContain('+ user: Split the lexer out of parser.ts.')
    expect(out).toContain('goal: split lexer and parser; 2 messages; progress: lexer extracted')
  })

  it('examples/demo.ts (npm run demo) hands a session from one home to another', () => {
    const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'examples', 'demo.js')], { encoding: 'utf8' })
    expect(out).toContain('desktop: proved laptop is a device of the same wallet')
    expect(out).toContain('desktop sees live: assistant: Set Max-Age to 30 days')
    expect(out).toContain("lease:    desktop (epoch 2, taken over from laptop)")
    expect(out).toContain('desktop: continued the session (4 messages)')
  })

  it('the README\'s SDK example runs, and runs again on the same home', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
    const code = /### The SDK\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(code).toContain("from '@mesh-agent/mesh'")
    const t = await tempDir(); onTestFinished(t.cleanup)
    // The package by its name, as `npm install /path/to/clone` links it.
    await mkdir(join(t.dir, 'node_modules', '@mesh-agent'), { recursive: true })
    await symlink(ROOT, join(t.dir, 'node_modules', '@mesh-agent', 'mesh'))
    await writeFile(join(t.dir, 'sdk.mjs'), code as string)
    const home = join(t.dir, 'home')
    const env = { ...cliEnv(t.dir), MESH_HOME: home }
    expect((await runCli(['init', '--label', 'laptop'], { env })).code).toBe(0)
    // Its node on loopback alone (no mDNS, no DHT); the session it waits for is here already.
    await writeFile(join(home, 'config.json'), JSON.stringify({ mdns: false, dht: 'off', listen: ['/ip4/127.0.0.1/tcp/0'] }))
    expect((await runCli(['session', 'new', 'agent:main:other'], { env })).code).toBe(0)
    for (const run of ['first', 'second']) {
      const r = await runProcess(process.execPath, ['sdk.mjs'], { env, cwd: t.dir, timeoutMs: 60_000 })
      expect(r.code, `${run} run: ${r.stderr}`).toBe(0)
    }
    const show = await runCli(['session', 'show', 'agent:main:parser', '--json'], { env })
    expect(show.code, show.stderr).toBe(0)
    expect(JSON.parse(show.stdout).messages.map((m: { content: string }) => m.content)).toEqual(['start with the lexer', 'start with the lexer'])
  }, 120_000)
})
