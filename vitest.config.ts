import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

/** Every test file under test/, by its path from the repository's root. */
function testFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return testFiles(path)
    return e.isFile() && e.name.endsWith('.test.ts') ? [path] : []
  })
}

/**
 * Files that replace a module or change the environment (vi.mock, vi.stubEnv…). Each runs in a
 * process of its own, as vitest runs every file by default: a module they replaced would otherwise
 * stay replaced for the files after them. A spy (vi.spyOn) or a faked clock is undone at the end
 * of its file (test/helpers/file-end-restores.ts, and by the file itself), so those share.
 */
const CHANGES_MODULES = /\bvi\.(mock|doMock|unmock|stubEnv|stubGlobal)\b/
const fresh = testFiles('test').filter(f => CHANGES_MODULES.test(readFileSync(f, 'utf8')))

const shared = {
  setupFiles: ['src/polyfill.ts'],
  // A limit for a hang, not a speed: the 2-core machine runs two files at once, each with processes of its own.
  testTimeout: 120_000,
  hookTimeout: 60_000,
  pool: 'forks' as const
}

export default defineConfig({
  test: {
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'fresh', include: fresh, isolate: true } },
      // The rest share a worker's modules from one file to the next: each file loaded libp2p,
      // Yjs and the store afresh before, ~200 s of a CI run on the 2-core machine.
      { test: { ...shared, name: 'shared', include: ['test/**/*.test.ts'], exclude: ['node_modules', 'dist', ...fresh], isolate: false, setupFiles: [...shared.setupFiles, 'test/helpers/file-end-restores.ts'] } }
    ]
  }
})
