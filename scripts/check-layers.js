#!/usr/bin/env node
// Dependency direction as a rule: cli -> {sdk, agents} -> api -> node -> {protocols, crdt, store} -> identity -> errors.
// A module may import its own layer or any layer below it; the three middle layers never import
// each other (sync carries sealed entries as opaque bytes, so protocols/ cannot see plaintext).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const root = resolve(dirname(new URL(import.meta.url).pathname), '..')
const layerOf = (file) => {
  const r = relative(root, file).replace(/\\/g, '/')
  if (r === 'src/errors.ts' || r === 'src/polyfill.ts' || r === 'src/durable-dirs.ts' || r === 'src/xdg.ts' || r === 'src/shell-quote.ts' || r === 'src/file-mode.ts' || r === 'src/char-at.ts') return ['errors', 0]
  if (r.startsWith('src/identity/')) return ['identity', 1]
  if (r.startsWith('src/store/')) return ['store', 2]
  if (r.startsWith('crdt/')) return ['crdt', 2]
  if (r.startsWith('protocols/')) return ['protocols', 2]
  if (r.startsWith('src/node/')) return ['node', 3]
  if (r.startsWith('src/api/')) return ['api', 4]
  if (r.startsWith('src/sdk/')) return ['sdk', 5]
  // Beside the SDK: agent formats are pure; their callers (the CLI) talk to the API.
  if (r.startsWith('src/agents/')) return ['agents', 5]
  if (r.startsWith('src/cli/')) return ['cli', 6]
  if (r === 'src/index.ts') return ['index', 7]
  return undefined
}

const files = []
const walk = (d) => {
  for (const n of readdirSync(d)) {
    const p = join(d, n)
    if (statSync(p).isDirectory()) walk(p)
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p)
  }
}
for (const d of ['src', 'crdt', 'protocols']) if (existsSync(join(root, d))) walk(join(root, d))

const problems = []
for (const f of files) {
  const from = layerOf(f)
  if (from === undefined) continue
  const text = readFileSync(f, 'utf8')
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2]
    const target = resolve(dirname(f), spec).replace(/\.js$/, '.ts')
    const to = layerOf(target)
    if (to === undefined) continue
    const bad = to[1] > from[1] || (to[1] === 2 && from[1] === 2 && to[0] !== from[0])
    if (bad) problems.push(`${relative(root, f)}: ${from[0]} may not import ${to[0]} (${spec})`)
  }
}
// A command that talks to a daemon loads only the CLI and the socket client (README, Local API):
// what src/cli/main.ts reaches by static value imports may use node's own modules and no package
// (libp2p, Yjs, zod and the rest come by `await import()` in the commands that need them).
{
  const entry = join(root, 'src/cli/main.ts')
  const via = new Map([[entry, undefined]])
  const queue = [entry]
  while (queue.length > 0) {
    const f = queue.shift()
    const text = readFileSync(f, 'utf8')
    for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2]
      if (!spec.startsWith('.')) {
        if (spec.startsWith('node:')) continue
        const chain = [spec]
        for (let at = f; at !== undefined; at = via.get(at)) chain.push(relative(root, at))
        problems.push(`the CLI loads the package ${spec} at start: ${chain.reverse().join(' -> ')} (import it where it is used, with await import())`)
        continue
      }
      const target = resolve(dirname(f), spec).replace(/\.js$/, '.ts')
      if (via.has(target) || !existsSync(target)) continue
      via.set(target, f)
      queue.push(target)
    }
  }
}

// The dashboard (web/, ES modules served as they are): each module imports only those before it
// in this order; devices and sessions, two panels side by side, never import each other.
const WEB = [['dom', 0], ['state', 1], ['calls', 2], ['page', 3], ['devices', 4], ['sessions', 4], ['events', 5], ['app', 6]]
let webFiles = 0
{
  const rank = new Map(WEB)
  const dir = join(root, 'web')
  for (const n of existsSync(dir) ? readdirSync(dir).filter(n => n.endsWith('.js')) : []) {
    webFiles++
    const from = n.replace(/\.js$/, '')
    if (!rank.has(from)) { problems.push(`web/${n}: not in the dashboard's module order (scripts/check-layers.js, WEB)`); continue }
    const text = readFileSync(join(dir, n), 'utf8')
    for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm)) {
      const spec = m[1] ?? m[2] ?? m[3]
      const to = /^\.\/([\w-]+)\.js$/.exec(spec)?.[1]
      if (to === undefined || !rank.has(to)) { problems.push(`web/${n}: imports ${spec}, not a module of web/ in its order`); continue }
      if (rank.get(to) >= rank.get(from)) problems.push(`web/${n}: ${from} may not import ${to} (web/ modules import only those before them)`)
    }
  }
}

if (problems.length > 0) {
  console.error('layering violations:\n  ' + problems.join('\n  '))
  process.exit(1)
}
console.log(`layers ok (${files.length} files, ${webFiles} of the dashboard)`)
