#!/usr/bin/env node
// The `mesh` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { main } from '../dist/src/cli/main.js'

// `mesh session show KEY | head` closes the pipe before the output ends: the reader has what it
// wanted, so the rest is dropped rather than crashing with EPIPE (a daemon keeps running, flushed).
process.stdout.on('error', (err) => { if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err })

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err) => { process.stderr.write(`mesh: ${err?.stack ?? err}\n`); process.exitCode = 1 }
)
