/**
 * Replacing secrets in text with a marker, for sharing a session outside the vault (capture
 * itself is lossless and end-to-end encrypted; this is only for `--redact` exports). Patterns
 * for the common providers' keys, private key blocks, bearer tokens, JWTs, `.env`-style assignments
 * `"name": "value"` pairs and `name: value` lines (YAML, HTTP headers) of secret-looking names,
 * and a password's `password: value` inside a line. A JSONL file is redacted string by string
 * (redactJsonl): inside a JSON string a newline or a quote is escaped, which the patterns would
 * not see through, and a replacement made in the raw bytes could break the line. Pure.
 */
import { withoutBom } from './jsonl.js'
import { stringSpans } from './json-spans.js'

export const REDACTED = '[REDACTED]'

/** Words of a name that say its value is a secret, and pairs of words that do together. */
const SECRET_WORDS = new Set(['secret', 'secrets', 'token', 'password', 'passwd', 'pass', 'passphrase', 'credential', 'credentials', 'apikey', 'authorization'])
const SECRET_PAIRS = new Set(['api key', 'access key', 'private key', 'secret key'])

/**
 * Whether a name (an environment variable, a JSON key) says its value is a secret: `API_KEY`,
 * `apiKey`, `GITHUB_TOKEN`, `client_secret`, `password`, `DB_PASS`, `PGPASSWORD`, `MYSQL_PWD`. Whole words only, so
 * `input_tokens` (a count) and `TOKENIZERS_PARALLELISM` are not. `KEY` alone names a secret in an
 * environment variable's upper case (`STRIPE_KEY`, `SSH_KEY`, `KEY`), not in code's `key`,
 * `sortKey` or `primary_key`, nor in a count's (`KEY_COUNT`).
 */
export function secretName (name: string): boolean {
  const words = nameWords(name)
  if (words.some((w, i) => SECRET_WORDS.has(w) || (i > 0 && SECRET_PAIRS.has(`${words[i - 1] as string} ${w}`)))) return true
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return false
  // An environment variable's PASSWORD run into the word before it (PostgreSQL's PGPASSWORD), or
  // PWD after a word of its own (MySQL's MYSQL_PWD; PWD and OLDPWD are the working directory's).
  const last = words[words.length - 1] ?? ''
  if (/(?:password|passwd)$/.test(last) || (words.length > 1 && last === 'pwd')) return true
  return words.includes('key') && !words.some(w => COUNT_WORDS.has(w))
}

/** A name's words, lower case: `apiKey`, `API_KEY` and `api-key` are all `api key`. */
function nameWords (name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter(w => w !== '')
}

/** Words of a name whose number is a secret (a PIN, a numeric password, a one-time code); a count's never is. */
const NUMERIC_SECRET_WORDS = new Set(['pin', 'password', 'passwd', 'pass', 'passcode', 'secret', 'otp', 'cvv', 'cvc'])
const COUNT_WORDS = new Set(['count', 'counts', 'tokens', 'limit', 'usage', 'size', 'max', 'min', 'len', 'length', 'num', 'total', 'used'])

function numericSecretName (name: string): boolean {
  const words = nameWords(name)
  return words.some(w => NUMERIC_SECRET_WORDS.has(w)) && !words.some(w => COUNT_WORDS.has(w))
}

/**
 * A rule's replacement for a match (its groups as `m`, found at `at` in `text`), or undefined to
 * leave the match as it is.
 */
interface Rule { name: string, re: RegExp, replace?: (m: string[], at: number, text: string) => string | undefined }

const unredacted = (v: string): boolean => v !== '' && !v.startsWith(REDACTED) && v !== `"${REDACTED}"` && v !== `'${REDACTED}'`

// Order matters: the specific providers before the generic sk- and name rules.
const RULES: Rule[] = [
  // A block cut off before its END line (an output truncated) is replaced to the end of the text.
  // PEM's (`RSA PRIVATE KEY`, `OPENSSH PRIVATE KEY`) and PGP's armour (`PGP PRIVATE KEY BLOCK`).
  { name: 'private-key', re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|$(?![\s\S]))/g },
  // Credentials in a URL (scheme://user:password@host): the password alone replaced. The user may
  // be empty (`redis://:password@host`).
  { name: 'url-password', re: /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"'\\]*:)([^\s@/"'\\]+)(@)/gi, replace: m => unredacted(m[2] as string) ? `${m[1] as string}${REDACTED}${m[3] as string}` : undefined },
  { name: 'anthropic', re: /sk-ant-[A-Za-z0-9_-]{20,}/g },
  { name: 'openai', re: /sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { name: 'aws-access-key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { name: 'github', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g },
  // Slack's tokens: bot, user, app-level (`xapp-`), a rotating one's refresh token (`xoxe-`); and an
  // incoming webhook's or a workflow trigger's URL, whose path is its secret.
  { name: 'slack', re: /\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}/g },
  { name: 'slack', re: /(\bhooks\.slack\.com\/(?:services|workflows|triggers)\/)[A-Za-z0-9/_-]{8,}/g, replace: m => `${m[1] as string}${REDACTED}` },
  { name: 'google', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'stripe', re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g },
  { name: 'huggingface', re: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { name: 'npm', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  // GitLab's personal, deploy, runner and pipeline trigger tokens.
  { name: 'gitlab', re: /\b(?:glpat|gldt|glrt|glptt)-[A-Za-z0-9_-]{20,}/g },
  // A Discord webhook's URL: its last part is the secret.
  { name: 'discord', re: /(\bdiscord(?:app)?\.com\/api\/webhooks\/\d+\/)[A-Za-z0-9_-]{20,}/g, replace: m => `${m[1] as string}${REDACTED}` },
  { name: 'bearer', re: /\b((?:Bearer|Basic)\s+)[A-Za-z0-9._~+/=-]{16,}/g, replace: m => `${m[1] as string}${REDACTED}` },
  // Authorization's credentials anywhere in a line (a header a command sends: `curl -H
  // 'Authorization: token …'`), after a scheme if there is one (GitHub's `token`, Bearer, Basic),
  // however short: the bearer rule above wants 16 characters and a known scheme, and the name:
  // value rule a line of its own. A word of prose or a variable (`$TOKEN`, `${TOKEN}`) is none.
  {
    name: 'authorization',
    re: /\b((?:Proxy-)?Authorization[ \t]*:[ \t]*)((?:[A-Za-z][\w-]*[ \t]+)?)([A-Za-z0-9._~+/=-]{8,})(?=$|[\s"'\\,;])/gi,
    replace: m => AUTH_SCHEMES.has((m[2] as string).trim().toLowerCase()) || credential(m[3] as string) ? `${m[1] as string}${m[2] as string}${REDACTED}` : undefined
  },
  // A header named like a secret that a command sends (`curl -H 'X-Api-Key: …'`, `--header
  // 'PRIVATE-TOKEN: …'`): its value, unless a variable.
  {
    name: 'header',
    re: /(?<![\w-])((?:-[A-Za-z]*H|--header)[ \t]*=?[ \t]*["']?)(?!(?:Proxy-)?Authorization\b)([A-Za-z][\w-]*)([ \t]*:[ \t]*)([^\s"'\\]+)/gi,
    replace: m => secretName(m[2] as string) && unredacted(m[4] as string) && !(m[4] as string).startsWith('$') ? `${m[1] as string}${m[2] as string}${m[3] as string}${REDACTED}` : undefined
  },
  // A JWT: three base64url parts, the header's and the payload's JSON (`{"…`, so `eyJ`); the
  // signature may be empty (`alg: none`).
  { name: 'jwt', re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g },
  {
    // A command's user:password (curl's -u/--user, also as -su): the password. Not a uid:gid or
    // a user:group of a container (`docker run -u 1000:1000`, `-u www-data:www-data`: digits, or
    // lower-case letters alone), nor a variable (`"$USER:$PASS"`), nor a URL (`redis-cli -u redis://…`).
    name: 'user-password',
    re: /(?<![\w-])((?:-[A-Za-z]*u|--user)(?:[ \t]+|=)["']?[^\s:"'@/$]+:)(?!\/\/)([^\s"'@]+)/g,
    replace: m => /[^a-z_-]/.test(m[2] as string) && !/^\d+$/.test(m[2] as string) && !(m[2] as string).startsWith('$') && unredacted(m[2] as string) ? `${m[1] as string}${REDACTED}` : undefined
  },
  {
    // A command's flag named like a secret, its value the next argument or after `=` (`mysql
    // --password hunter2`, `vercel --token "…"`, `--api-key=…`): a value quoted, or holding a
    // digit or a sign. Not a flag with no value (`--password -h`, `--with-token < file`), a
    // variable (`$TOKEN`, `"$PW"`, `${{ … }}`), a file's (`--token-file`), a word of prose.
    name: 'flag',
    re: /(?<![\w-])(--[A-Za-z][\w-]*)([ \t]+|=)("[^"\n]*"|'[^'\n]*'|[^\s"'\\<>|&;-][^\s"'\\]*)/g,
    replace: m => flagValue(m[1] as string, m[3] as string) ? `${m[1] as string}${m[2] as string}${REDACTED}` : undefined
  },
  {
    // NAME=value as a line of its own (an .env file, `export NAME=value`), `=` with no space
    // around it: the whole value to the line's end (a space, `&`, `;`, `#` are a password's as
    // well) or to a shell's ` && `, ` || `, ` | `, ` ; ` or the next ` NAME=` (`A_TOKEN=x PORT=1`);
    // a `;` ending the line kept. A line with no other NAME=value line beside it is a command
    // run with the variable set (`API_KEY=abc npm test`): its value ends at a space, and the
    // command stays (it was hidden with the value). A quoted value is left to the rule below (it
    // ends at its closing quote); code's values (literalValue) stay.
    name: 'assignment',
    re: /(^|\n)([ \t]*(?:export[ \t]+)?)([A-Za-z_][A-Za-z0-9_]*)=(?![="'])([^\s][^\n]*?)(?=[ \t]*;?[ \t]*(?:\r?\n|$)|[ \t]+(?:(?:&&|\|\|?|;)[ \t]|[A-Za-z_][A-Za-z0-9_]*=))/g,
    replace: (m, at, text) => {
      const [, start = '', lead = '', name = '', whole = ''] = m
      const space = whole.search(/[ \t]/)
      const value = space === -1 || inDotenv(text, at + start.length) ? whole : whole.slice(0, space)
      return secretName(name) && unredacted(value) && literalValue(name, value, '=') ? `${start}${lead}${name}=${REDACTED}${whole.slice(value.length)}` : undefined
    }
  },
  {
    // NAME=value (an .env line, a shell export, a query string): the value replaced, the name
    // kept. The value stays on its line, and stops at a backslash: text that is JSON (a line
    // that did not parse) keeps its escapes whole.
    name: 'assignment',
    // `=` alone: not `==`/`===` (a comparison of code). An unquoted value stops at `&` or `;`
    // before a query string's next pair (`&next=1`), before a space or the end (the end of a
    // statement, `&&`); elsewhere they are a password's (`Tr0ub4dor&3`, `abc;def`). It is
    // replaced only when it looks like a literal (literalValue): code's `= os.environ["X"]`,
    // `= getPassword()`, `= None` is no secret. A quote inside it with a letter or a digit after
    // it is a password's too (`ab"cd`, `it's`): stopped there, the rest was left visible; a quote
    // with anything else after it closes a string the pair is in (`echo "PASSWORD=x" > f`).
    re: /\b([A-Za-z_][A-Za-z0-9_]*)([ \t]*=(?!=)[ \t]*)("[^"\n]*"|'[^'\n]*'|(?:[^\s"'\\&;]|[&;](?![\s&;]|$|[A-Za-z_][\w.-]*=))(?:[^\s"'\\&;]|[&;](?![\s&;]|$|[A-Za-z_][\w.-]*=)|["'](?=[A-Za-z0-9]))*)/g,
    replace: m => secretName(m[1] as string) && unredacted(m[3] as string) && literalValue(m[1] as string, m[3] as string, m[2] as string) ? `${m[1] as string}${m[2] as string}${REDACTED}${trailingCommas(m[3] as string)}` : undefined
  },
  {
    // "NAME": "value" (JSON, a Python dict in a tool's output): the quotes kept, so the text
    // stays what it was (JSON stays JSON).
    name: 'assignment',
    re: /(["'])([A-Za-z0-9_.-]+)\1(\s*:\s*)(["'])((?:(?!\4)[^\\\n]|\\.)*)\4/g,
    replace: m => secretName(m[2] as string) && unredacted(m[5] as string) ? `${m[1] as string}${m[2] as string}${m[1] as string}${m[3] as string}${m[4] as string}${REDACTED}${m[4] as string}` : undefined
  },
  {
    // name: value at a line's start (YAML, an HTTP header, a .netrc-like file): a quoted value, or
    // one token to the line's end that looks like a secret (see secretLooking), after an HTTP
    // scheme (Bearer, Basic) if there is one. Not inside a line: code (`{ token: token }`,
    // `secret: key.subarray(0, 32)`, `token: &str`) is full of such pairs whose value is no secret.
    name: 'assignment',
    re: /(^|\n)([ \t]*(?:- )?)([A-Za-z_][A-Za-z0-9_.-]*)([ \t]*:[ \t]+(?:(?:Bearer|Basic)[ \t]+)?)("[^"\n]+"|'[^'\n]+'|[^\s"'\\]+)(?=[ \t]*(?:\r?\n|$))/g,
    replace: m => secretName(m[3] as string) && unredacted(m[5] as string) && (secretLooking(m[5] as string) || passwordLooking(m[3] as string, m[5] as string)) ? `${m[1] as string}${m[2] as string}${m[3] as string}${m[4] as string}${REDACTED}` : undefined
  },
  {
    // password: value inside a line (`my password: hunter2 ok`, `… API_KEY=… password: hunter2`):
    // a password's name only, its value quoted, or one token up to a space or a quote (a full stop
    // or a comma after it kept) that looks like a password a person typed (inlinePassword): code's
    // pairs inside a line (`{ password: user.password }`, `(password: string)`) stay.
    name: 'assignment',
    re: /\b([A-Za-z_][A-Za-z0-9_.-]*)([ \t]*:[ \t]*)("[^"\n]+"|'[^'\n]+'|[^\s"'\\]+?)(?=[.,;:!?)\]}]*(?:[\s"'\\]|$))/g,
    replace: m => unredacted(m[3] as string) && inlinePassword(m[1] as string, m[3] as string) ? `${m[1] as string}${m[2] as string}${REDACTED}` : undefined
  }
]

const ASSIGNMENT_LINE = /^[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_]*=/

/**
 * Whether the line starting at `at` is one of a .env file's: the line before or after it (blank
 * lines and `#` comments passed over) is a NAME=value line too. A .env value runs to the line's
 * end, spaces and all (`SECRET_KEY=correct horse battery`); a shell's ends at a space.
 */
function inDotenv (text: string, at: number): boolean {
  const near = (lines: string[]): boolean => ASSIGNMENT_LINE.test(lines.find(l => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '')
  const end = text.indexOf('\n', at)
  return near(text.slice(0, Math.max(at - 1, 0)).split('\n').reverse()) || (end !== -1 && near(text.slice(end + 1).split('\n')))
}

/** Words of a name whose value is a password a person chose: short, with no token's shape. */
const PASSWORD_WORDS = new Set(['password', 'passwd', 'pass', 'passphrase', 'passcode'])

/**
 * Whether an unquoted `name: value` value under a password's name is one, though shorter than
 * secretLooking asks (`password: hunter2`, `passwd: p@ss1`): 4 characters or more with a digit or
 * a sign, and none of code's (`password: string`, `passwd: &default`, `password: ${DB_PASS}`,
 * `password: str;`, `password: Option<String>` are not). A value of letters alone stays: it
 * reads as a type as often as a password.
 */
function passwordLooking (name: string, value: string): boolean {
  if (!nameWords(name).some(w => PASSWORD_WORDS.has(w))) return false
  if (value.length < 4 || NOT_SECRETS.has(value) || /^[&*$]/.test(value) || /[()[\]{}<>;,`]/.test(value)) return false
  return /[^A-Za-z]/.test(value)
}

/**
 * Whether `name: value` inside a line is a password: the name a password's, the value quoted or
 * one passwordLooking asks for, and not an identifier of code (a member access such as
 * `process.env.DB_PASSWORD`, a name without a digit such as `user_password`).
 */
function inlinePassword (name: string, value: string): boolean {
  if (!nameWords(name).some(w => PASSWORD_WORDS.has(w))) return false
  if (value.startsWith('"') || value.startsWith("'")) return true
  if (/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/.test(value) || (/^[A-Za-z_]\w*$/.test(value) && !/[0-9]/.test(value))) return false
  return passwordLooking(name, value)
}

/**
 * Whether an unquoted `name: value` value looks like a secret rather than a word of a config or
 * of code: at least 8 characters of a token's alphabet, with a digit or both cases (`write`,
 * `inherit`, `&default`, `${DB_PASSWORD}`, `string;`, `process.env.X` are not). A quoted value is
 * always a value.
 */
function secretLooking (value: string): boolean {
  if (value.startsWith('"') || value.startsWith("'")) return true
  return /^[A-Za-z0-9+/=_~:-]{8,}$/.test(value) && (/[0-9]/.test(value) || (/[a-z]/.test(value) && /[A-Z]/.test(value)))
}

/** Words of a flag's name that say its value is no secret but where to find one, or a count. */
const FLAG_NOT_VALUE = new Set(['file', 'path', 'dir', 'env', 'stdin', 'cmd', 'command', 'helper', 'name', 'id', 'type', 'url'])

/** Whether a secret-named flag's value (see the rule) is one. */
function flagValue (flag: string, value: string): boolean {
  const words = nameWords(flag)
  if (!secretName(flag.replace(/^-+/, '')) || words.some(w => FLAG_NOT_VALUE.has(w) || COUNT_WORDS.has(w)) || !unredacted(value)) return false
  const inner = /^(["']).*\1$/.test(value) ? value.slice(1, -1) : undefined
  if (inner !== undefined) return inner !== '' && !inner.startsWith('$')
  // A full stop or a comma after a word is prose's (`the --token flag, or …`).
  const core = value.replace(/[.,;:!?]+$/, '')
  return !NOT_SECRETS.has(core) && !codeShaped(value) && /[^A-Za-z]/.test(core)
}

const AUTH_SCHEMES = new Set(['bearer', 'basic', 'token'])

/** Whether Authorization's value after no known scheme is credentials, not a word of prose: a digit in it, or 16 characters of both cases. */
const credential = (v: string): boolean => /[0-9]/.test(v) || (v.length >= 16 && /[a-z]/.test(v) && /[A-Z]/.test(v))

const NOT_SECRETS = new Set(['None', 'none', 'null', 'nil', 'undefined', 'true', 'false', 'True', 'False', 'NULL'])

/**
 * Whether an unquoted NAME=value value is a literal (a secret to replace) rather than code: not
 * code's shape (codeShaped: a call, an index, an operator, `${VAR}`, `$VAR`), not a member access
 * (`process.env.GITHUB_TOKEN`, `this.token!`), not None/null/undefined/true/false. Signs in a
 * plain token are a password's (`S3cret!x`, `pa$$word`, `hunter2!`, `a,b|c?`). A bare word (a
 * trailing `,` or a non-null `!` aside) is a value after `=` with no spaces (`.env`, a query
 * string: `TOKEN=abc`); with spaces around `=` (code: `token = tok`) or a `,` after it (a keyword
 * argument: `f(token=tok, x=1)`) only when it looks like a secret (secretLooking) or, under a
 * password's name, like a password a person typed (`password = hunter2`, as inlinePassword asks
 * of `password: hunter2`): a word of letters alone (`password = pw`, the prose of `the password =
 * field`) reads as code's name.
 */
function literalValue (name: string, value: string, sep: string): boolean {
  if (value.startsWith('"') || value.startsWith("'")) return true
  if (NOT_SECRETS.has(value) || codeShaped(value)) return false
  const core = value.replace(/[,!]+$/, '')
  if (core === '' || NOT_SECRETS.has(core) || /^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+$/.test(core)) return false
  if (/^[A-Za-z_]\w*$/.test(core) && (sep.trim() !== sep || core !== value)) return secretLooking(core) || inlinePassword(name, core)
  return true
}

/**
 * Whether an unquoted value has code's shape: a call, an index, a block, a generic or a template
 * (`()[]{}<>` and a backquote), an operator (`||`, `??`, `?.`, `!=`, a ternary `a?b:c`), a
 * negation (`!flag`), a variable (`$VAR`, `${VAR}`).
 */
function codeShaped (value: string): boolean {
  return /[()[\]{}<>`]/.test(value) || /\|\||\?\?|\?\.|!=|\$\{/.test(value) || /^[!$][A-Za-z_]/.test(value) || /^[A-Za-z_][\w.]*\?[\w.]+:[\w.]+$/.test(value)
}

/** The commas a value ends with (`f(token=S3cret!x, …)`, `password=hunter2, then`): kept after the marker. */
const trailingCommas = (value: string): string => /,*$/.exec(value)?.[0] ?? ''

export interface RedactResult { text: string, count: number, byRule: Record<string, number> }

type Tally = Pick<RedactResult, 'count' | 'byRule'>

const counted = (t: Tally, rule: string): void => { t.count++; t.byRule[rule] = (t.byRule[rule] ?? 0) + 1 }

function redactText (text: string, t: Tally): string {
  let out = text
  for (const r of RULES) {
    out = out.replace(r.re, (...args: unknown[]) => {
      const m = args.slice(0, -2).map(a => a === undefined ? '' : String(a))
      const next = r.replace === undefined ? REDACTED : r.replace(m, args[args.length - 2] as number, args[args.length - 1] as string)
      if (next === undefined) return m[0] as string
      counted(t, r.name)
      return next
    })
  }
  return out
}

/** Plain text (an .env file, a terminal log) redacted. */
export function redact (text: string): RedactResult {
  const t: Tally = { count: 0, byRule: {} }
  return { text: redactText(text, t), ...t }
}

/**
 * A JSON text with each string redacted as text, decoded (`\n` a newline, `\"` a quote), and
 * written back with JSON.stringify; the value of a member whose key names a secret
 * (`"API_KEY": "…"`, `"password": "…"`) replaced whole. Everything else keeps its bytes, so a
 * line without secrets comes back as it was. Undefined for text that is not JSON.
 */
function redactJsonText (text: string, t: Tally): string | undefined {
  try { JSON.parse(text) } catch { return undefined }
  let out = ''
  let at = 0
  for (const s of stringSpans(text, undefined, { numbers: true, paths: false })) {
    let next: string
    if (s.number === true) {
      // A PIN, a numeric password or code: replaced by the marker (a string) under such a name;
      // not a count (`token_count`, `max_tokens`), which is a number under a secret-looking word.
      if (!numericSecretName(s.member ?? '')) continue
      counted(t, 'named-value')
      next = REDACTED
    } else if (!s.isKey && s.value !== '' && s.value !== REDACTED && secretName(s.member ?? '')) {
      counted(t, 'named-value')
      next = REDACTED
    } else {
      next = redactText(s.value, t)
      if (next === s.value) continue
    }
    out += text.slice(at, s.start) + JSON.stringify(next)
    at = s.end
  }
  return at === 0 ? text : out + text.slice(at)
}

/**
 * A JSONL file redacted line by line: a line that is JSON string by string (it stays JSON), any
 * other line as plain text. Taken and given as bytes, so a file past the longest string V8
 * makes is redacted too.
 */
export function redactJsonl (bytes: Uint8Array): { bytes: Buffer, count: number, byRule: Record<string, number> } {
  const t: Tally = { count: 0, byRule: {} }
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const parts: Buffer[] = []
  for (let at = 0; at < buf.length;) {
    const nl = buf.indexOf(0x0a, at)
    const end = nl === -1 ? buf.length : nl + 1
    const raw = buf.toString('utf8', at, nl === -1 ? end : nl)
    const line = withoutBom(raw)
    const json = line.trim() === '' ? line : redactJsonText(line, t)
    const next = raw.slice(0, raw.length - line.length) + (json ?? redactText(line, t))
    parts.push(next === raw ? buf.subarray(at, end) : Buffer.from(nl === -1 ? next : next + '\n'))
    at = end
  }
  return { bytes: Buffer.concat(parts), ...t }
}
