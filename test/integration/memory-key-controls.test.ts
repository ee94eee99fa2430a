/**
 * A memory key holding a control character (a newline, a tab, ESC, DEL, a C1 control, a line or
 * paragraph separator) is refused by the API's schema, naming the field and the character, so by
 * every front-end alike (the CLI names the field KEY, the argument it came from): `mesh memory
 * set $'a\nb' v` took it, and `mesh memory list` (one entry a line, tab-separated) then showed a
 * line that is no entry. Keys of any other text (spaces, accents, emoji) are taken as before; one
 * over 256 characters is refused naming the field too. Reading and deleting take any key, so an
 * entry set before (or by an older peer) can still go. A memory tag and a session's title are
 * one line of text the same way (`--tag $'a\nb'` was stored); a message, a goal, a plan and a
 * progress note keep their lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clipTitle } from '../../src/api/title.js'
import { cliHome } from '../helpers/cli-home.js'
import { soloHttp, type SoloHttp } from '../helpers/solo-http.js'

const h = cliHome()
let s: SoloHttp
beforeAll(async () => { s = await soloHttp() }, 60_000)
afterAll(async () => { await s?.close() })

const REFUSED: Array<[string, string]> = [
  ['a\nb', 'U+000A'],
  ['a\tb', 'U+0009'],
  ['\r', 'U+000D'],
  ['red \u001b[31m', 'U+001B'],
  ['del\u007f', 'U+007F'],
  ['c1\u0085', 'U+0085'],
  ['ls\u2028', 'U+2028'],
  ['ps\u2029x', 'U+2029']
]
/** The refusal as the API says it (HTTP, in process): its method and field; the CLI names the argument instead (`KEY: …`). */
const words = (key: string, cp: string, field = 'memory.set: key'): string => `${field}: a memory key is one line of text: it has a control character (${cp}) at character ${[...key].findIndex(c => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}` === cp) + 1}; write the key without it`

describe('a memory key with a control character', () => {
  it('is refused by mesh memory set (exit 2, the field and the character named) and nothing is stored', async () => {
    for (const [key, cp] of REFUSED) {
      const r = await h.mesh('memory', 'set', key, 'v')
      expect(r.code, JSON.stringify(key)).toBe(2)
      expect(r.stderr, JSON.stringify(key)).toBe(`mesh: ${words(key, cp, 'KEY')}\n`)
    }
    const j = await h.mesh('memory', 'set', 'a\nb', 'v', '--json')
    expect(JSON.parse(j.stderr).error).toMatchObject({ code: 'INVALID_INPUT', message: words('a\nb', 'U+000A', 'KEY'), details: { method: 'memory.set', inputs: { key: 'KEY' } } })
    const long = await h.mesh('memory', 'set', 'k'.repeat(257), 'v')
    expect(long.code).toBe(2)
    expect(long.stderr).toBe('mesh: KEY: a memory key has 1 to 256 characters\n')
    // An empty key, as every empty input: INVALID_INPUT naming KEY (it was a USAGE "missing KEY").
    const empty = await h.mesh('memory', 'set', '', 'v', '--json')
    expect(empty.code).toBe(2)
    expect(JSON.parse(empty.stderr).error).toMatchObject({ code: 'INVALID_INPUT', message: 'KEY: a memory key is empty: it has 1 to 256 characters', details: { inputs: { key: 'KEY' } } })
    expect((await h.mesh('memory', 'get', '')).stderr).toBe('mesh: KEY: is empty\n')
    expect(JSON.parse((await h.mesh('memory', 'list', '--json')).stdout)).toEqual([])
    // Any other text is a key, as before; the list shows it on its line.
    const fine = 'my key é 🎉 :/x'
    expect((await h.mesh('memory', 'set', fine, 'v')).code).toBe(0)
    expect((await h.mesh('memory', 'set', 'k'.repeat(256), 'v')).code).toBe(0)
    expect((await h.mesh('memory', 'list')).stdout).toBe(`${'k'.repeat(256)}\tv\n${fine}\tv\n`)
    // Reading and deleting such a key is no refusal: there is none here.
    const get = await h.mesh('memory', 'get', 'a\nb', '--json')
    expect(JSON.parse(get.stderr).error.code).toBe('NOT_FOUND')
  }, 120_000)

  it('is refused over HTTP and by the API in process alike', async () => {
    const put = await fetch(`${s.server.url}/api/memory/${encodeURIComponent('a\tb')}`, { method: 'PUT', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ value: 'v' }) })
    expect(put.status).toBe(400)
    expect((await put.json() as any).error).toMatchObject({ code: 'INVALID_INPUT', message: words('a\tb', 'U+0009') })
    await expect(s.api.call('memory.set', { key: 'x\ny', value: 'v' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: words('x\ny', 'U+000A') })
    // A NUL, which no command line can carry.
    await expect(s.api.call('memory.set', { key: 'nul\u0000', value: 'v' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: words('nul\u0000', 'U+0000') })
    expect(await s.api.call('memory.list', {})).toEqual([])
  }, 60_000)
})

/** The refusal of a one-line field: `field` as the front-end names it, `what` and `noun` as the schema says them. */
const oneLine = (field: string, what: string, noun: string, text: string, cp: string): string =>
  `${field}: ${what} is one line of text: it has a control character (${cp}) at character ${[...text].findIndex(c => `U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}` === cp) + 1}; write the ${noun} without it`

describe('a tag or a session\'s title with a control character', () => {
  it('is refused by mesh memory set and mesh session new (exit 2, the flag named) and nothing is stored', async () => {
    // `--tag $'a\nb'` was stored, and `mesh memory list` showed the tag over two lines.
    const refused: Array<[string[], string]> = [
      [['memory', 'set', 'tagged', 'v', '--tag', 'ok', '--tag', 'a\nb'], oneLine('--tag (the 2nd)', 'a tag', 'tag', 'a\nb', 'U+000A')],
      [['session', 'new', 'ctl', '--title', 'two\nlines'], oneLine('--title', 'a title', 'title', 'two\nlines', 'U+000A')]
    ]
    for (const [args, said] of refused) {
      const r = await h.mesh(...args)
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2)
      expect(r.stderr).toBe(`mesh: ${said}\n`)
    }
    expect((await h.mesh('memory', 'get', 'tagged')).code).toBe(2)
    expect((await h.mesh('sessions', 'list', '--json')).stdout).not.toMatch(/ctl/)
    // A goal is a paragraph: its lines kept, shown under its row.
    expect((await h.mesh('session', 'new', 'lines', '--goal', 'stay logged in\n- after a refresh')).code).toBe(0)
    expect((await h.mesh('session', 'show', 'lines')).stdout).toMatch(/^goal: +stay logged in\n {12}- after a refresh\n/m)
  }, 60_000)

  it('is refused over HTTP and by the API in process alike; a message and task notes keep their lines', async () => {
    const put = await fetch(`${s.server.url}/api/memory/t`, { method: 'PUT', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ value: 'v', tags: ['x\u2028y'] }) })
    expect(put.status).toBe(400)
    expect((await put.json() as any).error).toMatchObject({ code: 'INVALID_INPUT', message: oneLine('memory.set: tags.0', 'a tag', 'tag', 'x\u2028y', 'U+2028') })
    await expect(s.api.call('memory.set', { key: 't', value: 'v', tags: ['tab\there'] })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: oneLine('memory.set: tags.0', 'a tag', 'tag', 'tab\there', 'U+0009') })
    await expect(s.api.call('sessions.create', { key: 'c1', title: 'c1\u0085' })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: oneLine('sessions.create: title', 'a title', 'title', 'c1\u0085', 'U+0085') })
    await expect(s.api.call('agents.import', { agent: 'claude', sessionId: 'ctl', title: 'x\ny', records: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT', message: oneLine('agents.import: title', 'a title', 'title', 'x\ny', 'U+000A') })
    expect(await s.api.call('memory.list', {})).toEqual([])
    // A title mesh takes from an agent's own store (Hermes') is made one line, not refused.
    expect(clipTitle('fix\nthe\t\tlogin')).toBe('fix the login')
    // Many lines where text is many lines: a message, a goal, a plan, a progress note; a title of one line.
    const made = await s.api.call('sessions.create', { key: 'c1', title: 'one line é', goal: 'users stay logged in\n- after a refresh' })
    expect(made.title).toBe('one line é')
    expect((await s.api.call('sessions.show', { key: 'c1' })).goal).toBe('users stay logged in\n- after a refresh')
    await s.api.call('sessions.append', { key: 'c1', role: 'user', content: 'line 1\nline 2\ttabbed' })
    const task = await s.api.call('sessions.task', { key: 'c1', plan: 'a\nb', progress: 'done:\n- x' })
    expect(task.plan).toBe('a\nb')
    expect((await s.api.call('sessions.show', { key: 'c1' })).messages.map(m => m.content)).toEqual(['line 1\nline 2\ttabbed'])
  }, 60_000)
})
