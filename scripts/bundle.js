#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/src/cli/main.js, from `tsc`) into dist/cli/: mesh.mjs and the
 * chunks its lazy imports load. Every `mesh` command is a process of its own, and Node 20 loads
 * ES modules one file at a time with no compile cache: the ~1,000 files of mesh, libp2p and their
 * dependencies cost `mesh join` ~1.5 s of CPU to start and a command ~0.5 s, where the bundle
 * takes ~0.6 s and ~0.3 s. Lazy imports stay lazy (chunks), so a command that never dials still
 * loads no libp2p. bin/mesh.js runs the bundle unless it is older than dist/src/cli/main.js.
 * Minified: Node 20 decodes and parses every byte of a chunk it loads, and a command's ~2.3 MB of
 * chunks took ~90 ms to compile; minified, a command on a home costs ~15% less CPU (~440 -> ~375
 * ms, `mesh memory get`). The source maps stay beside the chunks; bin/mesh.js reads them with
 * MESH_DEBUG set, for a stack in the sources' names. Names are mangled: nothing of mesh reads a
 * function's or class's name (errors carry theirs as a static string).
 *
 * Run by `npm run build` (and so by `npm install`, `npm test`, `npm run bench`).
 */
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { rolldown } from 'rolldown'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = `${root}dist/cli`

await rm(out, { recursive: true, force: true })
const bundle = await rolldown({
  input: { mesh: `${root}dist/src/cli/main.js` },
  platform: 'node',
  // sql.js is loaded with require() at run time and finds its .wasm file beside its own.
  external: [/^node:/, 'sql.js'],
  logLevel: 'warn'
})
try {
  await bundle.write({ dir: out, format: 'esm', entryFileNames: '[name].mjs', chunkFileNames: 'chunk-[name]-[hash].mjs', sourcemap: true, minify: true })
} finally {
  await bundle.close()
}
