#!/usr/bin/env node
// The `mesh` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare),
// and the CLI bundled into dist/cli/ (scripts/bundle.js), which starts in a fraction of the time.
// A bundle older than the compiled sources (`tsc` run since the last build) is not used.
import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

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
let main
if (fresh('../dist/cli/mesh.cjs', '../dist/src/cli/main.js')) {
  const require = createRequire(import.meta.url)
  // Its chunks compiled with V8's code cache (bin/code-cache.cjs); not with MESH_DEBUG, as Node
  // maps stacks only for the modules it compiles itself.
  if (process.env.MESH_DEBUG === undefined) require('./code-cache.cjs').install(fileURLToPath(new URL('../dist/cli', import.meta.url)), process.env.MESH_CODE_CACHE === 'write')
  ;({ main } = require('../dist/cli/mesh.cjs'))
  // Read without a turn of the event loop, where the ES modules took many: a signal that came
  // meanwhile reaches `hold` once the loop has turned twice (its first turn does not read it yet),
  // before the command starts, and release() hands it on.
  for (let turn = 0; turn < 2; turn++) await new Promise(resolve => setImmediate(resolve))
} else {
  ({ main } = await import('../dist/src/cli/main.js'))
}

// `mesh session show KEY | head` closes the pipe before the output ends: the reader has what it
// wanted, so the rest is dropped rather than crashing with EPIPE (a daemon keeps running, flushed).
process.stdout.on('error', (err) => { if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err })

// Once the command has ended, what it said written, the process ends: a library's timer left
// behind must not hold it (libp2p's address manager keeps one for a second after its node stops,
// so `mesh join` lingered 1-3 s after "stopped; store flushed", and `mesh stop` waited for it).
// The timer is unref'd: a process with nothing left ends on its own, sooner.
function end (code) {
  process.exitCode = code
  const drained = () => process.stdout.writableLength === 0 && process.stderr.writableLength === 0
  const check = () => { if (drained()) process.exit(code); else setTimeout(check, 20).unref() }
  setTimeout(check, 50).unref()
}

main(process.argv.slice(2), { started: release }).then(
  (code) => { release(); end(code) },
  (err) => { release(); process.stderr.write(`mesh: ${err?.stack ?? err}\n`); end(1) }
)
