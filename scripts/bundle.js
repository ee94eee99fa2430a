#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js, from `tsc`) into dist/cli/: mesh.cjs and the
 * chunks its lazy imports load. Every `mesh` command is a process of its own, and Node 20 loads
 * ES modules one file at a time with no compile cache: the ~1,000 files of mesh, libp2p and their
 * dependencies cost `mesh join` ~1.5 s of CPU to start and a command ~0.5 s, where the bundle
 * takes ~0.6 s and ~0.3 s. Lazy imports stay lazy (chunks), so a command that never dials still
 * loads no libp2p. bin/mesh.js runs the bundle unless it is older than dist/src/cli/main.js.
 *
 * Minified: Node 20 decodes and parses every byte of a chunk it loads, and a command's ~2.3 MB of
 * chunks took ~90 ms to compile. CommonJS, so that bin/code-cache.cjs can compile each chunk with
 * V8's code cache, which this script makes by running a few commands in a throwaway home (the
 * cache holds what they compiled; a chunk they did not load has none and compiles as before).
 * `mesh memory get` on a home, CPU of 20 runs alternated: ES modules minified 523 ms, CommonJS 472,
 * with the code cache 381. The source maps stay beside the chunks; bin/mesh.js reads them with
 * MESH_DEBUG set (and then compiles without the cache), for a stack in the sources' names. Names
 * are mangled: nothing of mesh reads a function's or class's name (errors carry theirs as a
 * static string).
 *
 * Run by `npm run build` (and so by `npm install`, `npm test`, `npm run bench`); skipped when
 * dist/cli is newer than everything it is made from (dist/cli/.done marks a bundle made in full).
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = `${root}dist/cli`

// Up to date (`npm test` and `npm run bench` build again after `npm install` built): nothing
// compiled, installed or changed here since the last bundle and its cache were made in full.
const DONE = `${out}/.done`
if (await upToDate()) {
  console.log('bundle: dist/cli is up to date')
  process.exit(0)
}

await rm(out, { recursive: true, force: true })
const bundle = await rolldown({
  input: { mesh: `${root}dist/src/cli/main.js` },
  platform: 'node',
  // sql.js is loaded with require() at run time and finds its .wasm file beside its own.
  external: [/^node:/, 'sql.js'],
  logLevel: 'warn'
})
try {
  await bundle.write({ dir: out, format: 'cjs', dynamicImportInCjs: false, entryFileNames: '[name].cjs', chunkFileNames: 'chunk-[name]-[hash].cjs', sourcemap: true, minify: true })
} finally {
  await bundle.close()
}

// The code cache: commands that open a home (made here, with a wallet of its own, and removed)
// and read and write what a person's commands do. No daemon is started, nothing dials.
// The cache only saves time: a warm-up that cannot run (no temporary folder to make a home in)
// or a command of it that fails is said, what was written so far holds, and the build goes on.
const scratch = await mkdtemp(join(tmpdir(), 'mesh-code-cache-')).catch((err) => { console.warn(`bundle: no code cache made: ${err.message}`) })
if (scratch !== undefined) await warm(scratch)
await writeFile(DONE, `${new Date().toISOString()}\n`)

/** Whether the last bundle (its code cache made in full) is newer than everything it is made from. */
async function upToDate () {
  const done = await stat(DONE).then(s => s.mtimeMs, () => undefined)
  if (done === undefined) return false
  let newest = 0
  const visit = async (path) => {
    const s = await stat(path).catch(() => undefined)
    if (s === undefined) return
    if (s.isDirectory()) { for (const e of await readdir(path)) await visit(join(path, e)) } else newest = Math.max(newest, s.mtimeMs)
  }
  // What tsc wrote, the bundler and the launcher, and what npm installed.
  for (const p of ['dist/src', 'dist/crdt', 'dist/protocols', 'scripts/bundle.js', 'bin', 'package.json', 'package-lock.json', 'node_modules/.package-lock.json']) await visit(`${root}${p}`)
  return newest < done
}

/** Runs the commands whose compiled code the cache keeps, in a home made in `scratch`, then removes it. */
async function warm (scratch) {
  try {
    const env = { ...process.env, HOME: scratch, MESH_CODE_CACHE: 'write' }
    for (const name of ['MESH_HOME', 'MESH_WALLET', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'MESH_DEBUG', 'NODE_OPTIONS']) delete env[name]
    const commands = [
      ['--help'],
      ['init', '--label', 'build'],
      ['session', 'new', 'agent:main:build', '--goal', 'warm the code cache'],
      ['session', 'append', 'agent:main:build', '--role', 'user', '--text', 'hello'],
      ['session', 'show', 'agent:main:build'],
      ['memory', 'set', 'k', 'v'],
      ['memory', 'get', 'k'],
      ['sessions'],
      ['status'],
      ['devices']
    ]
    for (const args of commands) {
      const r = spawnSync(process.execPath, [`${root}bin/mesh.js`, ...args], { env, cwd: scratch, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 })
      if (r.status !== 0) { console.warn(`bundle: the code cache is made in part: mesh ${args.join(' ')} ended with ${r.status ?? r.signal}: ${r.stderr}`); break }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}
