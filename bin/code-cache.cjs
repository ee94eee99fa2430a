'use strict'
/**
 * Runs the CLI bundle's chunks (dist/cli/*.cjs, scripts/bundle.js) through V8's code cache. Node 20
 * has none of its own (module.enableCompileCache is Node 22.1+), and every `mesh` command is a
 * process of its own that compiled its ~2 MB of chunks again: a chunk is compiled here with the
 * cache beside it (`<chunk>.cjs.v8`, written by `npm run build`), which V8 checks against the
 * chunk's source and its own version and flags, and compiles as without one where it does not
 * fit (another Node, a flag, a chunk built since). `write`: each chunk's cache is written when the
 * process exits, holding what this run compiled (the build runs a few commands so).
 */
const Module = require('node:module')
const { readFileSync, renameSync, writeFileSync } = require('node:fs')
const { dirname } = require('node:path')
const vm = require('node:vm')

/** Compiles the CommonJS modules of folder `dir` with their code cache, from now on in this process. */
exports.install = function install (dir, write) {
  const compiled = []
  const compile = Module.prototype._compile
  Module.prototype._compile = function (content, filename) {
    if (dirname(filename) !== dir) return compile.call(this, content, filename)
    const cachePath = `${filename}.v8`
    let cachedData
    try {
      cachedData = readFileSync(cachePath)
    } catch (err) {
      // None made for this chunk (the build did not load it): compiled as without a cache.
      if (err.code !== 'ENOENT') throw err
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData })
    if (write) compiled.push({ script, cachePath })
    const mod = this
    const require = (id) => mod.require(id)
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options)
    require.cache = Module._cache
    require.main = process.mainModule
    return script.runInThisContext({ displayErrors: true }).call(mod.exports, mod.exports, require, mod, filename, dir)
  }
  if (write) {
    process.on('exit', () => {
      for (const { script, cachePath } of compiled) {
        writeFileSync(`${cachePath}.tmp`, script.createCachedData())
        renameSync(`${cachePath}.tmp`, cachePath)
      }
    })
  }
}
