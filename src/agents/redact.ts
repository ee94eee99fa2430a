/**
 * Replacing secrets in text with a marker, for sharing a session outside the vault (capture
 * itself is lossless and end-to-end encrypted; this is only for `--redact` exports). Patterns
 * for the common providers' keys, private key blocks, bearer tokens and `.env`-style
 * assignments of secret-looking names. Pure.
 */

export const REDACTED = '[REDACTED]'

interface Rule { name: string, re: RegExp, /** keep this group (the name of an assignment) */ keep?: number }

// Order matters: the specific providers before the generic sk- and assignment rules.
const RULES: Rule[] = [
  { name: 'private-key', re: /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g },
  // The same block inside a JSON string, its newlines escaped.
  { name: 'anthropic', re: /sk-ant-[A-Za-z0-9_-]{20,}/g },
  { name: 'openai', re: /sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g },
  { name: 'aws-access-key', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g },
  { name: 'github', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/g },
  { name: 'slack', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { name: 'google', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'stripe', re: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,}\b/g },
  { name: 'huggingface', re: /\bhf_[A-Za-z0-9]{30,}\b/g },
  { name: 'bearer', re: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{16,}/g, keep: 1 },
  {
    name: 'assignment',
    // NAME=value or "NAME": "value" where the name says secret; the value is replaced, the name kept.
    re: /\b([A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|APIKEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIALS?)[A-Z0-9_]*\s*=\s*)(?!\[REDACTED\])("[^"\n]*"|'[^'\n]*'|[^\s"'\\]+)/g,
    keep: 1
  }
]

export interface RedactResult { text: string, count: number, byRule: Record<string, number> }

export function redact (text: string): RedactResult {
  let count = 0
  const byRule: Record<string, number> = {}
  let out = text
  // Private key blocks inside JSON strings have escaped newlines; the same rule matches them
  // because [\s\S] spans the literal backslash-n too.
  for (const r of RULES) {
    out = out.replace(r.re, (...m: unknown[]) => {
      count++
      byRule[r.name] = (byRule[r.name] ?? 0) + 1
      return r.keep !== undefined ? `${String(m[r.keep])}${REDACTED}` : REDACTED
    })
  }
  return { text: out, count, byRule }
}
