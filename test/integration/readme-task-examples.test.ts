/**
 * The README's `mesh task` lines and `mesh task --help`'s examples, pasted in order into a shell
 * on a fresh home, each exit 0. They did not: `mesh task refactor --todo-done ID …` and
 * `mesh task fix-login … --todo-done tss61` named a todo by an id no one could know before
 * running them (ids are made as a todo is added), so each failed, exit 2, `has no todo ID`. A
 * todo can now also be named by its text, when one open todo of the session holds it.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cliEnv, ROOT, runProcess, runCli, BIN } from '../helpers/cli.js'
import { commandPart } from '../helpers/help-lines.js'
import { tempDir } from '../helpers/tmp.js'

describe('the README\'s and mesh task --help\'s task examples', () => {
  it('run as pasted, in order, each exit 0', async () => {
    const t = await tempDir()
    try {
      const env = cliEnv(t.dir)
      expect((await runCli(['init', '--label', 'desktop'], { env })).code).toBe(0)
      const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
      const block = /## Using it\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
      const lines = block.split('\n').map(commandPart).filter(l => l !== '')
      // From the session's creation to the last `mesh task` line: the task's whole story.
      const last = lines.findLastIndex(l => l.startsWith('mesh task '))
      expect(last).toBeGreaterThan(0)
      const help = (await runCli(['task', '--help'], { env })).stdout
      const examples = help.slice(help.indexOf('\nExamples:\n') + 11).split('\n\n')[0]?.split('\n').map(l => commandPart(l.trim())) ?? []
      expect(examples.length).toBeGreaterThan(1)
      const script = [...lines.slice(0, last + 1), 'mesh session new fix-login', ...examples]
      const failed: string[] = []
      for (const line of script) {
        const r = await runProcess('bash', ['-c', `mesh () { "${process.execPath}" "${BIN}" "$@"; }; ${line}`], { env, timeoutMs: 30_000 })
        if (r.code !== 0) failed.push(`${line}: exit ${String(r.code)}: ${r.stderr.trim()}`)
      }
      expect(failed).toEqual([])
    } finally { await t.cleanup() }
  }, 120_000)
})
