// Small helpers of the page's DOM and its words for times and ids: no state, no API.

export const $ = (sel) => document.querySelector(sel)

export function el (tag, text, cls) {
  const e = document.createElement(tag)
  if (text !== undefined && text !== null) e.textContent = String(text)
  if (cls) e.className = cls
  return e
}
export function row (cells) {
  const tr = document.createElement('tr')
  for (const c of cells) {
    const td = document.createElement('td')
    if (c instanceof Node) td.append(c); else td.textContent = c ?? ''
    tr.append(td)
  }
  return tr
}
export const short = (id) => (typeof id === 'string' && id.length > 16) ? `${id.slice(0, 8)}…${id.slice(-6)}` : (id ?? '')
export function when (ts) {
  if (typeof ts !== 'number') return ''
  const s = Math.round((Date.now() - ts) / 1000)
  // Stamped by a clock ahead of this one past the clocks' 2-minute allowance: said so, not "-7200s ago".
  if (s < -120) return `${new Date(ts).toLocaleString()}, ahead of this machine's clock`
  const ago = s < 60 ? `${Math.max(0, s)}s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : new Date(ts).toLocaleString()
  return ago
}
export const clock = (ts) => new Date(ts).toLocaleTimeString([], { timeZoneName: 'short' })
