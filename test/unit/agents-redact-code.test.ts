/**
 * `mesh agent export --redact` on code and URLs: code that names a secret keeps every byte (its
 * value is a lookup, a call, a comparison, not a secret); credentials in a URL lose the password
 * alone; a private key block cut off before its END line is replaced to the end of the text.
 */
import { describe, expect, it } from 'vitest'
import { redact, REDACTED } from '../../src/agents/redact.js'

const CODE = [
  'secret_key = os.environ["SECRET_KEY"]',
  'if (token === undefined) return',
  'if token == other:',
  'def check(password=None):',
  'const token = process.env.GITHUB_TOKEN;',
  "let api_key=cfg.apiKey||''",
  'password = getPassword()',
  'api_key = None',
  'self.token = token',
  'passwd = null',
  'secret = true',
  // A password's name at a line's start, with a type or a reference after it (an interface, a
  // dataclass, YAML's anchors and variables): no password.
  '  password: string',
  'password: str',
  '  passwd: Option<String>,',
  'password: &default',
  'password: ${DB_PASSWORD}',
  'password: null',
  // Inside a line: code's pairs (an object, a parameter list) whose value is a name or a type.
  'const c = { password: process.env.DB_PASSWORD, user }',
  'login({ password: user_password })',
  'function f (password: string, token: Token) {}',
  'my password is not here: see the vault',
  // A password's name with spaces around `=` and a word of letters after it: code's name, or prose.
  'password = pw',
  'the password = field in the form',
  // Signs of code after `=`: an operator, a negation, a variable, a non-null assertion, a
  // keyword argument before the next.
  'token = a||b',
  'token=cfg.token??fallback',
  'token=cfg?.token',
  'secret = !flag',
  'password=$DB_PASS',
  'password = ${DB_PASS}',
  'const token = this.token!',
  'f(token=tok, x=1)',
  'if token!=other:',
  // `key` in code's lower case, a count of keys, a JWT-looking word that is not three parts.
  'sort_key=name',
  'KEY_COUNT=3',
  'const claims = eyJhbGciOiJIUzI1NiJ9',
  'TOKEN=$T&&make'
]

const SECRETS: Array<[string, string]> = [
  ['DATABASE_URL=postgres://user:hunter2@db:5432/x', `DATABASE_URL=postgres://user:${REDACTED}@db:5432/x`],
  ['"https://user:s3cr3tP4ss@example.com/x"', `"https://user:${REDACTED}@example.com/x"`],
  ['-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nAoIBAQC7', REDACTED],
  ['before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----\nafter', `before\n${REDACTED}\nafter`],
  ['PASSWORD=hunter2hunter2', `PASSWORD=${REDACTED}`],
  ['https://x.test/cb?token=abc123def456&next=1', `https://x.test/cb?token=${REDACTED}&next=1`],
  ['export API_KEY=abc123def456;', `export API_KEY=${REDACTED};`],
  ['password = "hunter2"', `password = ${REDACTED}`],
  ['api_key = k3yV4lue99', `api_key = ${REDACTED}`],
  // A short password a person chose, under a password's name (YAML, a config's line).
  ['user: me\npassword: hunter2\nport: 5432', `user: me\npassword: ${REDACTED}\nport: 5432`],
  ['  db_passwd: p@ss1', `  db_passwd: ${REDACTED}`],
  // A password inside a line of prose or a command's output, up to a space or a quote.
  ['my password: hunter2 ok', `my password: ${REDACTED} ok`],
  ['run with API_KEY=sk-abc123 password: hunter2', `run with API_KEY=${REDACTED} password: ${REDACTED}`],
  ['the passwd:p@ss1, then', `the passwd:${REDACTED}, then`],
  ['set password: "hunter 2" and go', `set password: ${REDACTED} and go`],
  ['my password=hunter2 ok', `my password=${REDACTED} ok`],
  // With spaces around `=`, as with `password: hunter2`: a short password a person typed.
  ['password = hunter2', `password = ${REDACTED}`],
  ['my password = p4ss ok', `my password = ${REDACTED} ok`],
  ['PASSWORD = "x"', `PASSWORD = ${REDACTED}`],
  // A password holding a sign (`!`, `?`, `$`, `,`, `|`), with or without spaces around `=`.
  ['password=S3cret!x', `password=${REDACTED}`],
  ['PASSWORD = S3cret!x', `PASSWORD = ${REDACTED}`],
  ['DB_PASSWORD=S3cret!x', `DB_PASSWORD=${REDACTED}`],
  ['password = hunter2!', `password = ${REDACTED}`],
  ['API_TOKEN=ab?cd$ef,gh|ij', `API_TOKEN=${REDACTED}`],
  ['export PASSWORD=pa$$word', `export PASSWORD=${REDACTED}`],
  ['my password=hunter2, then', `my password=${REDACTED}, then`],
  // Inside a line, `&` and `;` are a password's unless a query string's next pair, a space or the end follows.
  ['run PASSWD=Tr0ub4dor&3 now', `run PASSWD=${REDACTED} now`],
  ['curl x?api_key=ab;cd&page=2', `curl x?api_key=${REDACTED}&page=2`],
  ['SSH_KEY=k3y && make', `SSH_KEY=${REDACTED} && make`],
  ['GITHUB_TOKEN=opaque-value PORT=8080', `GITHUB_TOKEN=${REDACTED} PORT=8080`],
  ['  export DB_PASS="p w"', `  export DB_PASS=${REDACTED}`],
  ['t=eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', `t=${REDACTED}`]
]

describe('redact on code and URLs', () => {
  it.each(CODE)('leaves code intact: %s', (line) => {
    const r = redact(line)
    expect(r.text).toBe(line)
    expect(r.count).toBe(0)
  })
  it.each(SECRETS)('removes the secret: %s', (line, want) => {
    expect(redact(line).text).toBe(want)
  })
})
