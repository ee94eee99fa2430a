// The page's one state object, shared by its modules (each owns the fields it names).
import { short } from './dom.js'

export const state = { token: null, devices: new Map(), deviceList: [], sessions: [], status: null, selected: null, seen: new Set(), hidden: 0, pending: [], loading: false, lastSeq: 0, run: null, ws: null, live: false, failures: 0, timers: {}, arriving: false, settling: undefined, copy: undefined, readVersion: -1, loadGen: 0 }
export const labelOf = (deviceId, fallback) => state.devices.get(deviceId) ?? fallback ?? short(deviceId)
