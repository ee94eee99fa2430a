/**
 * The dashboard's static files (web/), served without a token: they hold no data, only the page
 * that asks for it, under a content security policy that lets it talk to this server alone.
 */
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HttpError } from './http-routes.js'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon'
}
/** The longest file name the common file systems take (ext4, APFS, NTFS: 255 bytes or units). */
const MAX_NAME_BYTES = 255
const PAGE_HEADERS = {
  // The page talks to this server only (the WebSocket too: 'self' covers ws: on the same host).
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache'
}

/** The package's web/ directory, from src/api/ (tests) or dist/src/api/ (the built CLI). */
export function defaultWebDir (): string {
  for (const up of ['../../web', '../../../web']) {
    const dir = fileURLToPath(new URL(up, import.meta.url))
    if (existsSync(join(dir, 'index.html'))) return dir
  }
  return fileURLToPath(new URL('../../web', import.meta.url))
}

/**
 * Each file's bytes, read once and again only when it changes (its size, mtime or inode): every
 * answer sends the same buffer. Read for each request, each of a thousand requests pipelined on
 * one connection held its own copy (234 KB for openapi.json) until its client read it.
 */
const files = new Map<string, { version: string, body: Promise<Buffer> }>()

async function contents (file: string): Promise<Buffer> {
  const st = await stat(file)
  if (!st.isFile()) throw new Error('not a file')
  const version = `${st.ino}:${st.size}:${st.mtimeMs}`
  let entry = files.get(file)
  if (entry?.version !== version) {
    const e = { version, body: readFile(file) }
    // A failed read is not kept: the next request tries again.
    e.body.catch(() => { if (files.get(file) === e) files.delete(file) })
    files.set(file, e)
    entry = e
  }
  return await entry.body
}

export async function serveStatic (webDir: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'INVALID_INPUT', `${req.method ?? ''} is not allowed here (it takes GET, HEAD)`, { allow: 'GET, HEAD' })
  let rel: string
  try { rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname) } catch { throw new HttpError(400, 'INVALID_INPUT', 'bad path') }
  const notFound = new HttpError(404, 'NOT_FOUND', `no ${pathname}`)
  // A NUL or a name longer than a file system takes names no file here: refused before the file
  // system is asked (it would throw with the install path in its message).
  if (rel.includes('\0') || rel.split('/').some(name => Buffer.byteLength(name) > MAX_NAME_BYTES)) throw notFound
  const file = resolve(webDir, '.' + rel)
  const type = TYPES[extname(file)]
  if (!file.startsWith(webDir + sep) || type === undefined) throw notFound
  let body: Buffer
  try {
    body = await contents(file)
  } catch {
    // Anyone may ask for these files, token or not: no error of the file system (its message
    // names where mesh is installed) reaches them, only that there is no such file.
    throw notFound
  }
  res.writeHead(200, { 'content-type': type, 'content-length': body.length, ...PAGE_HEADERS })
  res.end(req.method === 'HEAD' ? undefined : body)
}
