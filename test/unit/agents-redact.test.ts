/**
 * `mesh agent export --redact` on JSONL: inside a JSON string a newline is `\n` and a quote `\"`,
 * so patterns run over the raw line missed the secrets after them, and a replacement made in the
 * raw bytes could swallow a closing quote. Each string is redacted decoded and written back, the
 * value of a member named like a secret is replaced whole, and every line stays JSON.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { REDACTED, redactJsonl, secretName } from '../../src/agents/index.js'

const FIX = fileURLToPath(new URL('../fixtures/agents/', import.meta.url))
const GH = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'
const AWS = 'AKIAIOSFODNN7EXAMPLE'
const HF = 'hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789'

const toolResult = (content: string): string => JSON.stringify({ type: 'user', uuid: 'u1', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content }] } })
const run = (text: string): { text: string, count: number, lines: unknown[] } => {
  const r = redactJsonl(Buffer.from(text))
  const out = r.bytes.toString('utf8')
  return { text: out, count: r.count, lines: out.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as unknown) }
}
const contentOf = (line: unknown): string => (line as { message: { content: Array<{ content: string }> } }).message.content[0]?.content as string

describe('redacting a JSONL export', () => {
  it('finds secrets after an escaped newline, as in the same text unquoted', () => {
    const r = run(toolResult(`ok\n${GH}\n${AWS}\nDATABASE_PASSWORD=hunter2hunter2\n${HF}\n`) + '\n')
    expect(r.count).toBe(4)
    expect(contentOf(r.lines[0])).toBe(`ok\n${REDACTED}\n${REDACTED}\nDATABASE_PASSWORD=${REDACTED}\n${REDACTED}\n`)
    expect(r.text.endsWith('}\n')).toBe(true)
  })

  it('replaces quoted values, and "NAME": "value" pairs inside a string, keeping that text JSON', () => {
    const r = run(toolResult('DB_PASSWORD="hunter2-secret"\nAPI_TOKEN=\'tok-123456\'\nPORT=8080\n'))
    expect(contentOf(r.lines[0])).toBe(`DB_PASSWORD=${REDACTED}\nAPI_TOKEN=${REDACTED}\nPORT=8080\n`)
    const j = run(toolResult('{"API_KEY": "abcd1234efgh", "password": "p4ss", "user": "me"}'))
    expect(j.count).toBe(2)
    expect(JSON.parse(contentOf(j.lines[0]))).toEqual({ API_KEY: REDACTED, password: REDACTED, user: 'me' })
  })

  it('replaces the string value of a member whose key names a secret, and leaves counts and other fields alone', () => {
    const line = JSON.stringify({ type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { apiKey: 'abc123', env: { GITHUB_TOKEN: 'opaque-value', client_secret: 'xyz' }, secrets: ['s1', 's2'], password: '' } }], usage: { input_tokens: 12, output_tokens: 3 } }, token_type: 'x' })
    const r = run(line)
    expect(r.lines[0]).toEqual({ type: 'assistant', message: { content: [{ type: 'tool_use', name: 'Bash', input: { apiKey: REDACTED, env: { GITHUB_TOKEN: REDACTED, client_secret: REDACTED }, secrets: [REDACTED, REDACTED], password: '' } }], usage: { input_tokens: 12, output_tokens: 3 } }, token_type: REDACTED })
    expect(r.count).toBe(6)
    expect(secretName('TOKENIZERS_PARALLELISM')).toBe(false)
    expect(secretName('cache_read_input_tokens')).toBe(false)
    expect(secretName('AWS_SECRET_ACCESS_KEY')).toBe(true)
  })

  it('never breaks a line: an assignment with no value is left, and a line without secrets keeps its bytes', () => {
    const empty = JSON.stringify({ type: 'user', message: { content: 'export GITHUB_TOKEN=' }, cwd: '/home/me/app', uuid: 'u1' })
    const r = run(empty + '\n')
    expect(r.text).toBe(empty + '\n')
    // Spacing, a number's spelling, a big integer and an escaped slash are as written.
    const odd = '{ "type": "user",  "n": 1.0, "big": 12345678901234567890, "p": "a\\/b", "t": "TOKEN=abc" }'
    const o = run(odd)
    expect(o.text).toBe(`{ "type": "user",  "n": 1.0, "big": 12345678901234567890, "p": "a\\/b", "t": "TOKEN=${REDACTED}" }`)
  })

  it('redacts a line that is not JSON as text, and keeps a byte order mark', () => {
    const r = redactJsonl(Buffer.from(`\ufeff{"a":"x ${GH}"}\n{"torn":"API_TOKEN=abc`))
    expect(r.bytes.toString('utf8')).toBe(`\ufeff{"a":"x ${REDACTED}"}\n{"torn":"API_TOKEN=${REDACTED}`)
    expect(r.count).toBe(2)
  })

  it('leaves the golden sessions of every agent byte for byte', () => {
    for (const f of ['claude/5b0c3a1e-7d2f-4c61-9e0a-2f4d8b6c1a90.jsonl', 'codex/sessions/2026/11/21/rollout-2026-11-21T10-00-00-0193a7c2-5e4f-7a10-8b2c-3d4e5f6a7b8c.jsonl', 'hermes/export.jsonl', 'openclaw/agents/main/sessions/3f6c2a9e-81d4-4b7a-9c25-6e0d4f1b8a73.jsonl']) {
      const bytes = readFileSync(join(FIX, f))
      const r = redactJsonl(bytes)
      expect(r.count, f).toBe(0)
      expect(r.bytes.equals(bytes), f).toBe(true)
    }
  })
})

describe('secrets the first rules missed', () => {
  it('replaces a number under a secret name (a PIN, a numeric password), and leaves counts alone', () => {
    const r = run(JSON.stringify({ type: 'user', input: { pin_password: 123456, secret: -1.5e3, input_tokens: 42, retries: 3 } }))
    expect(r.lines[0]).toEqual({ type: 'user', input: { pin_password: REDACTED, secret: REDACTED, input_tokens: 42, retries: 3 } })
    expect(r.count).toBe(2)
  })

  it('replaces `name: value` lines (YAML, HTTP headers) and leaves URLs and other names alone', () => {
    const text = 'db:\n  host: localhost\n  password: hunter2hunter2\n  api_key: "k-123456"\nAuthorization: Basic dXNlcjpwYXNzd29yZDEyMw==\nX-Api-Key: abcdef123456\nsee https://example.com/token: no\n'
    const r = run(toolResult(text))
    expect(contentOf(r.lines[0])).toBe(`db:\n  host: localhost\n  password: ${REDACTED}\n  api_key: ${REDACTED}\nAuthorization: Basic ${REDACTED}\nX-Api-Key: ${REDACTED}\nsee https://example.com/token: no\n`)
    expect(r.count).toBe(4)
  })
})

describe('code in a transcript', () => {
  it('keeps `name: type` and `name: env lookup` of code as they are, and still replaces a real value', () => {
    const code = 'interface Auth {\n  token: string;\n  password?: string\n  apiKey: process.env.API_KEY,\n}\ndef f(password: Optional[str] = None, secret: bytes):\nconfig:\n  password: hunter2hunter2\n'
    const r = run(toolResult(code))
    expect(contentOf(r.lines[0])).toBe(code.replace('password: hunter2hunter2', `password: ${REDACTED}`))
    expect(r.count).toBe(1)
  })
})

describe('config and code that only look like secrets', () => {
  it('leaves code, workflow YAML, empty values and counts as they are', () => {
    const text = [
      'const auth = { token: token, apiKey: apiKey }',
      '  secret: secretKey.subarray(0, 32),',
      'fn login(token: &str) -> bool {',
      'secrets: dict[str, str]',
      '  Token: os.Getenv("TOKEN")}',
      'password: ${DB_PASSWORD}',
      'permissions:\n  id-token: write',
      '    secrets: inherit',
      'credentials: &default',
      "password: ''",
      ''
    ].join('\n')
    const r = run(toolResult(text))
    expect(contentOf(r.lines[0])).toBe(text)
    expect(r.count).toBe(0)
    const counts = run(JSON.stringify({ role: 'assistant', token_count: 512, tokenCount: 7, max_tokens: 4096, pin: 1234 }))
    expect(counts.lines[0]).toEqual({ role: 'assistant', token_count: 512, tokenCount: 7, max_tokens: 4096, pin: REDACTED })
  })
})
