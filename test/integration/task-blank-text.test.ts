/**
 * A todo, a progress note, a file touched or a memory tag given empty or blank (`--todo-add ''`,
 * `--progress ' '`, `--tag ''`) was stored and shown as a blank line ever after; a blank todo id
 * (`--todo-done ''`) was looked up and said as "has no todo  (see …)". Each is refused
 * as bad input (exit 2, INVALID_INPUT) before anything is written: by the CLI, as a user runs
 * it, and over HTTP, since the API's schema refuses it for every front-end.
 *
 * The CLI names the flag or argument the person gave (`--todo-add (the 2nd): …`), where it said
 * the API's method and field (`sessions.task: todoAdd.1: …`), which no one typed; with --json,
 * the same code beside the API's path (through a daemon: cli-polish.test.ts). HTTP keeps the
 * API's names.
 *
 * The examples `mesh session --help` and `mesh task --help` print run as written, in order, in a
 * shell: `--todo-done t1` named a todo no session has (ids are made as todos are added, `tss61`);
 * the example now says where the id is printed, and is run with the one its todo got.
 */
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { cliHome } from '../helpers/cli-home.js'
import { soloHttp } from '../helpers/solo-http.js'
import { errorToWire } from '../../src/api/wire-error.js'

const h = cliHome()

describe('blank text where words are meant', () => {
  it('mesh task and mesh memory refuse an empty or blank todo, progress note, file or tag, and write nothing', async () => {
    expect((await h.mesh('session', 'new', 'blank')).code).toBe(0)
    const before = JSON.parse((await h.mesh('session', 'show', 'blank', '--json')).stdout).task
    const refused: Array<[string[], RegExp]> = [
      [['task', 'blank', '--todo-add', ''], /^mesh: --todo-add: a todo is empty or only whitespace/],
      [['task', 'blank', '--todo-add', 'real one', '--todo-add', ' \t '], /^mesh: --todo-add \(the 2nd\): a todo is empty or only whitespace/],
      [['task', 'blank', '--progress', ''], /^mesh: --progress: a progress note is empty or only whitespace/],
      [['task', 'blank', '--progress', '   ', '--plan', 'kept out too'], /^mesh: --progress: a progress note is empty or only whitespace/],
      [['task', 'blank', '--file', ''], /^mesh: --file: a file touched is empty or only whitespace/],
      // Once read as a todo not found: "has no todo  (see …)", the id a blank between two spaces.
      [['task', 'blank', '--todo-done', ''], /^mesh: --todo-done: a todo id is empty or only whitespace: give the id of a todo \(the session's task lists them\)\n$/],
      [['task', 'blank', '--todo-add', 'real one', '--todo-done', ' '], /^mesh: --todo-done: a todo id is empty or only whitespace/],
      [['memory', 'set', 'editor', 'vim', '--tag', ''], /^mesh: --tag: a tag is empty or only whitespace/],
      [['memory', 'set', 'editor', 'vim', '--tag', 'prefs', '--tag', ' '], /^mesh: --tag \(the 2nd\): a tag is empty or only whitespace/],
      [['memory', 'list', '--tag', ''], /^mesh: --tag: a tag is empty or only whitespace/],
      // A free field's name on a row of its own in session show: no line break, no tab.
      [['task', 'blank', '--set', 'k\nx=v'], /^mesh: --set: a field's name is one line of text: it has a control character \(U\+000A\) at character 2; write the name without it\n$/],
      [['task', 'blank', '--set', 'ok=1', '--set', 'a\tb=2'], /^mesh: --set: a field's name is one line of text: it has a control character \(U\+0009\)/]
    ]
    for (const [args, said] of refused) {
      const r = await h.mesh(...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toMatch(said)
    }
    // The same refusal in --json, once: one error object of the stable code, the API's method and path beside the flag.
    const j = await h.mesh('task', 'blank', '--todo-add', 'ok', '--todo-add', '', '--json')
    expect(j.code).toBe(2)
    expect(JSON.parse(j.stderr).error).toEqual({
      code: 'INVALID_INPUT',
      message: '--todo-add (the 2nd): a todo is empty or only whitespace: give it some text',
      details: { method: 'sessions.task', inputs: { 'todoAdd.1': '--todo-add (the 2nd)' } }
    })
    // Nothing of any of them was written: not the real todo beside the blank one, not the plan.
    expect(JSON.parse((await h.mesh('session', 'show', 'blank', '--json')).stdout).task).toEqual(before)
    expect((await h.mesh('memory', 'get', 'editor')).code).toBe(2)
    // Words are taken as before.
    const ok = await h.mesh('task', 'blank', '--todo-add', 'write a test', '--progress', 'reproduced')
    expect(ok.code, ok.stderr).toBe(0)
    // A todo of two lines: its second under its text, as session show's rows, not at column 0.
    const lines = await h.mesh('task', 'blank', '--todo-add', 'then\nrun it')
    expect(lines.stdout).toMatch(/\ntodo: \[ \] then\n {6}run it {2}\(t\w+\)\n$/)
    expect((await h.mesh('memory', 'set', 'editor', 'vim', '--tag', 'prefs')).code).toBe(0)
  }, 120_000)

  it('says a refusal no field words itself in words a person reads, not zod\'s, and names no API method', async () => {
    // zod's own words were "Too small: expected string to have >=1 characters"; the query's named memory.list.
    const dir = join(h.dir, 'empty-skill')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'SKILL.md'), '')
    const said: Array<[string[], string]> = [
      [['skills', 'add', join(dir, 'SKILL.md')], 'mesh: FILE (its text): is empty\n'],
      [['doctor', '--drop', '', '--yes'], 'mesh: --drop: is empty\n'],
      [['memory', 'search', ' '], 'mesh: WORDS: the query needs at least one word (to see every entry, list them)\n']
    ]
    for (const [args, words] of said) {
      const r = await h.mesh(...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toBe(words)
    }
  }, 60_000)

  it('HTTP refuses the same, as INVALID_INPUT (400), and writes nothing', async () => {
    const solo = await soloHttp()
    try {
      const call = async (verb: string, path: string, body: unknown): Promise<{ status: number, body: any }> => {
        const res = await fetch(`http://127.0.0.1:${solo.server.port}${path}`, { method: verb, headers: { authorization: `Bearer ${solo.token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
        return { status: res.status, body: await res.json() }
      }
      expect((await call('POST', '/api/sessions', { key: 'agent:main:b' })).status).toBe(200)
      const todo = await call('POST', '/api/sessions/agent%3Amain%3Ab/task', { todoAdd: ['\n'] })
      expect(todo.status).toBe(400)
      expect(todo.body.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^sessions\.task: todoAdd\.0: a todo is empty or only whitespace/) })
      // The same wire error as the API's own call (and the socket's) for the same input, the
      // method in its details: HTTP's came with empty details.
      const file = await call('POST', '/api/sessions/agent%3Amain%3Ab/task', { files: [' '] })
      const inProcess = await solo.api.call('sessions.task', { key: 'agent:main:b', files: [' '] }).then(() => undefined, (err: unknown) => errorToWire(err))
      expect(file.body.error).toEqual(inProcess)
      expect(file.body.error.details).toEqual({ method: 'sessions.task' })
      // A limit no field words itself, in words (zod's: "Too big: expected string to have <=200 characters").
      const long = await call('POST', '/api/sessions', { key: 'x'.repeat(201) })
      expect(long.body.error.message).toBe('sessions.create: key: must be at most 200 characters')
      expect((await call('POST', '/api/sessions/agent%3Amain%3Ab/task', { progress: '' })).status).toBe(400)
      expect((await call('PUT', '/api/memory/k', { value: 'v', tags: [''] })).status).toBe(400)
      const shown: any = await (await fetch(`http://127.0.0.1:${solo.server.port}/api/sessions/agent%3Amain%3Ab`, { headers: { authorization: `Bearer ${solo.token}` } })).json()
      expect(shown.task.todos).toEqual([])
      expect(shown.task.progress).toEqual([])
    } finally {
      await solo.close()
    }
  }, 60_000)
})

describe('the help\'s examples of mesh session and mesh task', () => {
  it('run as written, in order, in a shell (a todo\'s id as mesh task printed it)', async () => {
    // The lines of its Examples section (its Options lines may name mesh too).
    const examples = async (cmd: string): Promise<string[]> => {
      const lines = (await h.mesh(cmd, '--help')).stdout.split('\n')
      const from = lines.indexOf('Examples:')
      expect(from, `mesh ${cmd} --help has an Examples section`).toBeGreaterThanOrEqual(0)
      const section = lines.slice(from + 1)
      const end = section.findIndex(l => !/^ {2}\S/.test(l))
      return (end < 0 ? section : section.slice(0, end)).filter(l => l.includes('mesh ')).map(l => l.trim())
    }
    // `git diff | …` in a repository with a change.
    const repo = join(h.dir, 'repo')
    await mkdir(repo, { recursive: true })
    const sh = async (line: string): Promise<{ stdout: string }> => await promisify(execFile)('bash', ['-c', `mesh () { "$NODE" "$BIN" "$@" --home "$MESH_HOME_DIR"; }; ${line}`], { cwd: repo, env: { ...h.env, NODE: process.execPath, BIN, MESH_HOME_DIR: h.home } })
    await sh('git init -q && echo a > a.txt && git add a.txt && echo b > a.txt')
    let id: string | undefined
    for (const line of [...await examples('session'), ...await examples('task')]) {
      const ran = await sh(id !== undefined ? line.replace(/--todo-done tss61/, `--todo-done ${id}`) : line).catch((err: any) => { throw new Error(`${line}: ${String(err?.stderr ?? err)}`) })
      id ??= /\[ \] write a test {2}\((t\w+)\)/.exec(ran.stdout)?.[1]
    }
    expect(id).toBeDefined()
    const task = JSON.parse((await h.mesh('session', 'show', 'fix-login', '--json')).stdout).task
    expect(task.todos.find((t: { text: string }) => t.text === 'write a test')).toMatchObject({ id, done: true })
  }, 60_000)
})
