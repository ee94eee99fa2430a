/**
 * A file mesh will not read, said as bad input in words (INVALID_INPUT), so `mesh agent import
 * --all` passes it by with its reason and imports the rest (it skips INVALID_INPUT, and stopped
 * at a raw errno): a FIFO named as a transcript; a symlink where a resume would write.
 */
import { execFileSync } from 'node:child_process'
import { symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { readFileNoFollow, readIfThere } from '../../src/agents/bundle.js'
import { InvalidInputError } from '../../src/errors.js'
import { stopAfterEach } from '../helpers/teardown.js'
import { tempDir } from '../helpers/tmp.js'

const { cleanups } = stopAfterEach()

it('a FIFO is refused as not a regular file, a symlink at a resume target as a link, both INVALID_INPUT', async () => {
  const t = await tempDir(); cleanups.push(t.cleanup)
  const fifo = join(t.dir, 'sid.jsonl')
  execFileSync('mkfifo', [fifo])
  const e1 = await readFileNoFollow(fifo).catch((err: unknown) => err)
  expect(e1).toBeInstanceOf(InvalidInputError)
  expect((e1 as InvalidInputError).message).toBe(`${fifo} is not a regular file`)
  await writeFile(join(t.dir, 'real.jsonl'), '{}\n')
  const link = join(t.dir, 'target.jsonl')
  await symlink(join(t.dir, 'real.jsonl'), link)
  const e2 = await readIfThere(link).catch((err: unknown) => err)
  expect(e2).toBeInstanceOf(InvalidInputError)
  expect((e2 as InvalidInputError).message).toBe(`${link} is a symbolic link: mesh does not read or write through links`)
  expect(await readIfThere(join(t.dir, 'absent.jsonl'))).toBeUndefined()
})
