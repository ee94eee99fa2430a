#!/usr/bin/env node
// The `mesh` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare),
// and the CLI bundled into dist/cli/ (scripts/bundle.js), which starts in a fraction of the time.
// A bundle older than the compiled sources (`tsc` run since the last build) is not used.
import { statSync } from 'node:fs'

// Ctrl-C (or SIGTERM) while the CLI still loads is held, not Node's default (the process killed,
// exit 130): once the command has started, it is handed to the command's own handling as if it
// came then (`mesh watch` ends with exit 0 whenever it comes), and a command that has none ends
// by it as before. main() calls release() once the command's run has begun, and on every other end.
const held = []
const hold = (signal) => { held.push(signal) }
process.on('SIGINT', hold)
process.on('SIGTERM', hold)
let released = false
function release () {
  if (released) return
  released = true
  process.off('SIGINT', hold)
  process.off('SIGTERM', hold)
  for (const signal of new Set(held)) {
    if (process.listenerCount(signal) > 0) process.emit(signal, signal)
    else process.kill(process.pid, signal)
  }
}

// The bundle is minified (scripts/bundle.js), its stacks in one-line files and short names: with
// MESH_DEBUG set (which prints the stack of an unexpected error), they are mapped back to the
// compiled sources through the source maps beside it. Off otherwise: reading the maps costs a start.
if (process.env.MESH_DEBUG !== undefined) process.setSourceMapsEnabled(true)

function fresh (bundle, compiled) {
  try { return statSync(new URL(bundle, import.meta.url)).mtimeMs >= statSync(new URL(compiled, import.meta.url)).mtimeMs } catch { return false }
}
const { main } = fresh('../dist/cli/mesh.mjs', '../dist/src/cli/main.js')
  ? await import('../dist/cli/mesh.mjs')
  : await import('../dist/src/cli/main.js')

// `mesh session show KEY | head` closes the pipe before the output ends: the reader has what it
// wanted, so the rest is dropped rather than crashing with EPIPE (a daemon keeps running, flushed).
process.stdout.on('error', (err) => { if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err })

main(process.argv.slice(2), { started: release }).then(
  (code) => { release(); process.exitCode = code },
  (err) => { release(); process.stderr.write(`mesh: ${err?.stack ?? err}\n`); process.exitCode = 1 }
)
