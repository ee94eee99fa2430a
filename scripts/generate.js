#!/usr/bin/env node
// Regenerates the TypeScript codecs for every .proto file in the repo with protons.
// CI runs this and fails if the committed generated files drift (`git diff --exit-code`).
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const roots = ['src', 'protocols']
const found = []
function walk (dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) walk(p)
    else if (name.endsWith('.proto')) found.push(p)
  }
}
for (const r of roots) if (existsSync(r)) walk(r)
for (const f of found) {
  execFileSync('npx', ['protons', f], { stdio: 'inherit' })
  console.log(`generated ${f.replace(/\.proto$/, '.ts')}`)
}
