#!/usr/bin/env node
// The `mesh` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare),
// and the CLI bundled into dist/cli/ (scripts/bundle.js), which starts in a fraction of the time.
// A bundle older than the compiled sources (`tsc` run since the last build) is not used.
import { statSync } from 'node:fs'

function fresh (bundle, compiled) {
  try { return statSync(new URL(bundle, import.meta.url)).mtimeMs >= statSync(new URL(compiled, import.meta.url)).mtimeMs } catch { return false }
}
const { main } = fresh('../dist/cli/mesh.mjs', '../dist/src/cli/main.js')
  ? await import('../dist/cli/mesh.mjs')
  : await import('../dist/src/cli/main.js')

// `mesh session show KEY | head` closes the pipe before the output ends: the reader has what it
// wanted, so the rest is dropped rather than crashing with EPIPE (a daemon keeps running, flushed).
process.stdout.on('error', (err) => { if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err })

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err) => { process.stderr.write(`mesh: ${err?.stack ?? err}\n`); process.exitCode = 1 }
)
