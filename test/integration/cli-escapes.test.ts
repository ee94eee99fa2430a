/**
 * A message's content is any member device's, and often a tool's output or a web page the agent
 * read: `mesh session show` and `mesh watch` wrote it to the terminal as it was, so an escape
 * sequence in it was obeyed (ESC ] 0 sets the window title, ESC [ 2 K with CR erases the line and
 * writes another over it, ESC ] 52 writes the clipboard) and U+202E showed a line reversed. The
 * human output now shows them (`^[`, `^G`, `^M`, `<U+202E>`); --json keeps every character.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { BIN } from '../helpers/cli.js'
import { spawnIn } from '../helpers/netns.js'
import { soloHome } from '../helpers/solo-home.js'

const cleanups: Array<() => Promise<unknown>> = []
afterAll(async () => { for (const c of cleanups.reverse()) await c() })

const HOSTILE = 'ok\x1b]0;PWNED\x07\x1b[2K\rfake: all tests passed\x1b]52;c;cm0gLXJmIH4K\x07 \u202edesrever'
const RAW = /[\x1b\x07\r\u202e]/

describe('message text on the terminal', () => {
  it('session show and watch show escapes and bidi overrides; --json keeps them', async () => {
    const { env, home, mesh } = await soloHome(cleanups)
    await mesh('session', 'new', 'w1', '--title', 'title\x1b]0;x\x07', '--goal', 'goal\u202e')
    await mesh('session', 'append', 'w1', '--role', 'assistant', '--text', HOSTILE)

    const shown = await mesh('session', 'show', 'w1')
    expect(shown).not.toMatch(RAW)
    expect(shown).toContain('ok^[]0;PWNED^G^[[2K^Mfake: all tests passed^[]52;c;cm0gLXJmIH4K^G <U+202E>desrever')
    expect(shown).toContain('title^[]0;x^G')
    expect(shown).toContain('goal<U+202E>')
    const listed = await mesh('sessions')
    expect(listed).not.toMatch(RAW)
    const json = JSON.parse(await mesh('session', 'show', 'w1', '--json'))
    expect(json.messages[0].content).toBe(HOSTILE)
    expect(json.title).toBe('title\x1b]0;x\x07')

    const w = spawnIn(undefined, process.execPath, [BIN, 'watch', 'w1', '--home', home], env)
    cleanups.push(async () => await w.stop('SIGKILL'))
    await w.waitFor(/no mesh join runs/)
    await mesh('session', 'append', 'w1', '--role', 'tool', '--text', `new ${HOSTILE}`)
    await w.waitFor(/tool \(solo\): new ok/, 10_000)
    expect(await w.stop('SIGINT')).toBe(0)
    const watched = w.lines.join('\n')
    expect(watched).not.toMatch(RAW)
    expect(watched).toContain('assistant (solo): ok^[]0;PWNED^G^[[2K^Mfake')
    expect(watched).toContain('tool (solo): new ok^[]0;PWNED^G')

    const wj = spawnIn(undefined, process.execPath, [BIN, 'watch', 'w1', '--home', home, '--json'], env)
    cleanups.push(async () => await wj.stop('SIGKILL'))
    await wj.waitFor(/"role":"tool"/, 10_000)
    expect(await wj.stop('SIGINT')).toBe(0)
    const contents = wj.lines.filter(l => l.startsWith('{"id"')).map(l => JSON.parse(l).content)
    expect(contents).toEqual([HOSTILE, `new ${HOSTILE}`])
  })
})
