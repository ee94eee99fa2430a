#!/usr/bin/env node
// The `mesh` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import { main } from '../dist/src/cli/main.js'

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (err) => { process.stderr.write(`mesh: ${err?.stack ?? err}\n`); process.exitCode = 1 }
)
