/**
 * What a command loads. Every `mesh` command is a process of its own, so each module it loads is
 * paid on every run: the command runs from the bundle (dist/cli/, scripts/bundle.js), a command
 * with no daemon opens the store and Yjs, and never libp2p's network stack (pairing loads it once
 * a search starts); help loads neither.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliEnv, runCli } from '../helpers/cli.js'
import { tempDir } from '../helpers/tmp.js'

let dir: string
let cleanup: () => Promise<void>
let env: NodeJS.ProcessEnv
let hooks: string

/** The network stack: a command that never dials has no use for any of it. */
const NETWORK = /node_modules\/(libp2p|@chainsafe\/libp2p-(noise|yamux)|@libp2p\/(tcp|mdns|kad-dht|utils|circuit-relay-v2|identify))\//
/** The same stack inside the bundle: the chunk that holds libp2p's node, Noise and TCP. */
const NETWORK_CODE = ['async function createLibp2p(', 'function noise(', 'function tcp(']

/**
 * Which of a package's code `modules` loaded: its files under node_modules (`files`), or, in a
 * chunk of the bundle, one of the `markers` its code holds.
 */
async function loadedCode (modules: string[], files: RegExp, markers: string[]): Promise<string[]> {
  const found = modules.filter(m => files.test(m))
  for (const m of modules.filter(m => m.includes('/dist/cli/'))) {
    const code = await readFile(new URL(m), 'utf8')
    found.push(...markers.filter(c => code.includes(c)).map(c => `${m}: ${c}`))
  }
  return found
}

/** What of the network stack `modules` loaded. */
const network = async (modules: string[]): Promise<string[]> => await loadedCode(modules, NETWORK, NETWORK_CODE)
/** Whether `modules` loaded Yjs (in the bundle, by the warning Yjs's code holds). */
const yjs = async (modules: string[]): Promise<boolean> => (await loadedCode(modules, /\/node_modules\/yjs\//, ['Yjs was already imported'])).length > 0

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir())
  env = cliEnv(dir)
  // A module hook (it runs on the loader's thread) that writes down every ES module loaded, and
  // (the bundle is CommonJS) every module require() loads.
  const hook = join(dir, 'log-hook.mjs')
  await writeFile(hook, "import { appendFileSync } from 'node:fs'\nexport async function load (url, context, next) { appendFileSync(process.env.MODULE_LOG, url + '\\n'); return await next(url, context) }\n")
  hooks = join(dir, 'log-register.mjs')
  await writeFile(hooks, [
    "import { appendFileSync } from 'node:fs'",
    "import Module, { register } from 'node:module'",
    "import { pathToFileURL } from 'node:url'",
    `register(${JSON.stringify(pathToFileURL(hook).href)})`,
    'const load = Module._load',
    "Module._load = function (request, parent, isMain) { const f = Module._resolveFilename(request, parent, isMain); appendFileSync(process.env.MODULE_LOG, (f.startsWith('/') ? pathToFileURL(f).href : f) + '\\n'); return load.apply(this, arguments) }",
    ''
  ].join('\n'))
  expect((await runCli(['init', '--label', 'desk'], { env })).code).toBe(0)
})
afterAll(async () => { await cleanup() })

/** The modules `mesh ...args` loaded. */
async function loaded (name: string, ...args: string[]): Promise<string[]> {
  const log = join(dir, `${name}.modules`)
  const r = await runCli(args, { env: { ...env, MODULE_LOG: log, NODE_OPTIONS: `--import ${pathToFileURL(hooks).href}` } })
  expect(r.code, r.stderr).toBe(0)
  return (await readFile(log, 'utf8')).split('\n').filter(l => l !== '')
}

describe('what a command loads', () => {
  it('a command with no daemon opens the store without loading the network stack', async () => {
    await loaded('new', 'session', 'new', 'fix-login', '--goal', 'users stay logged in')
    for (const [name, args] of [['show', ['session', 'show', 'fix-login']], ['status', ['status']], ['devices', ['devices']]] as const) {
      const modules = await loaded(name, ...args)
      // The hook saw the store's work: Yjs was loaded to read the session.
      expect(await yjs(modules), name).toBe(true)
      expect(await network(modules), name).toEqual([])
    }
  })

  it('runs from the bundle, and help loads neither Yjs nor the network stack', async () => {
    const modules = await loaded('help', 'session', '--help')
    // Not the compiled modules one by one: after a \`tsc\` alone, \`npm run build\` makes the bundle again.
    expect(modules.filter(m => m.includes('/dist/src/')), 'the bundle is older than dist/: run npm run build').toEqual([])
    expect(modules.some(m => m.endsWith('/dist/cli/mesh.cjs'))).toBe(true)
    expect(await network(modules)).toEqual([])
    expect(await yjs(modules)).toBe(false)
  })
})
