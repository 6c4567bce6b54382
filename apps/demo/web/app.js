// The live page of `strata serve`: plain JavaScript, no build, nothing fetched but this server's
// own /api/events stream. The server sends `hello` (the state and the frames it kept) and then a
// `frame` per tick (events, the tree's change as tables removed and added, a stats sample, the
// running jobs, the current stall). The page keeps every frame since it opened, so the timeline
// can show the tree, figures and events as of any frame.

const MAX_FRAMES = 20000
const CHECKPOINT_EVERY = 100
const EVENTS_SHOWN = 200
const LEVEL_COLORS = ['#5ab0f0', '#4fc3c3', '#6ccf7f', '#b5cf5a', '#a48cf0', '#e07ab8', '#8fa3b8']
/** A running compaction's input tables. */
const BUSY_COLOR = '#ff7043'

const page = {
  /** The tree before frames[0], as fileNumber → table. */
  base: new Map(),
  frames: [],
  /** checkpoints[k]: the tree after frames[k * CHECKPOINT_EVERY]. */
  checkpoints: [],
  /** The tree after the last frame (live). */
  live: new Map(),
  /** Key space seen since the page opened, as hex strings. */
  lowKey: undefined,
  highKey: undefined,
  state: undefined,
  /** The frame shown: undefined follows the newest. */
  selected: undefined,
  dirty: true,
  /** When each table was first seen (ms), to light up new tables. */
  born: new Map(),
  /** Events in the frames dropped from the start (a page open for hours). */
  shownBefore: 0,
}

// ------------------------------------------------------------------------------ formatting

function formatBytes(bytes) {
  if (bytes === undefined || bytes === null || Number.isNaN(bytes)) return '–'
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${unit === 0 ? value : value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`
}

function formatCount(value) {
  return Math.round(value).toLocaleString('en-US')
}

function formatDuration(ms) {
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`
}

/** `hh:mm:ss.mmm`, local time (by hand: toLocaleTimeString is slow for hundreds of rows). */
function formatTime(ms) {
  const date = new Date(ms)
  const two = (value) => String(value).padStart(2, '0')
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`
}

function fileName(fileNumber) {
  return String(fileNumber).padStart(6, '0')
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`)
}

/** A hex key as text when it is printable ASCII, else as hex. */
function showKey(hex) {
  let text = ''
  for (let index = 0; index < hex.length; index += 2) {
    const code = Number.parseInt(hex.slice(index, index + 2), 16)
    if (code < 0x20 || code > 0x7e) return `0x${hex.length > 48 ? `${hex.slice(0, 48)}…` : hex}`
    text += String.fromCharCode(code)
  }
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

function tableList(tables) {
  const names = tables.map((table) => fileName(table.fileNumber ?? table))
  return names.length > 6 ? `${names.slice(0, 5).join(', ')} … (${names.length})` : names.join(', ')
}

// ------------------------------------------------------------------------------ the frames

function applyFrame(tree, frame) {
  for (const fileNumber of frame.removed) tree.delete(fileNumber)
  for (const table of frame.added) tree.set(table.fileNumber, table)
}

function widenKeySpace(table) {
  // A table of range tombstones alone has no key range of its own (its keys show empty).
  if (table.entries === 0) return
  if (page.lowKey === undefined || table.smallestKey < page.lowKey) page.lowKey = table.smallestKey
  if (page.highKey === undefined || table.largestKey > page.highKey) page.highKey = table.largestKey
}

function addFrame(frame) {
  // Counted once here, not on each render: the events (versions aside; those left out of the
  // frame included) and of them the compactions.
  frame.shown = 0
  frame.compactions = 0
  for (const event of frame.events) {
    if (event.type === 'version') continue
    frame.shown++
    const kind = eventKind(event)
    if (kind === 'compaction' || kind === 'trivial-move') frame.compactions++
  }
  for (const [kind, count] of Object.entries(frame.dropped)) {
    if (kind === 'version') continue
    frame.shown += count
    if (kind === 'compaction' || kind === 'trivial-move') frame.compactions += count
  }
  const previous = page.frames[page.frames.length - 1]
  frame.shownUpTo = (previous?.shownUpTo ?? page.shownBefore) + frame.shown
  page.frames.push(frame)
  applyFrame(page.live, frame)
  for (const table of frame.added) {
    widenKeySpace(table)
    if (!page.born.has(table.fileNumber)) page.born.set(table.fileNumber, frame.timestampMs)
  }
  const index = page.frames.length - 1
  if (index % CHECKPOINT_EVERY === 0) page.checkpoints[index / CHECKPOINT_EVERY] = new Map(page.live)
  if (page.frames.length > MAX_FRAMES) dropOldest(CHECKPOINT_EVERY)
  page.dirty = true
}

/** Folds the oldest `count` frames into the base tree (a page open for hours). */
function dropOldest(count) {
  for (const frame of page.frames.splice(0, count)) {
    applyFrame(page.base, frame)
    page.shownBefore = frame.shownUpTo
  }
  page.checkpoints.shift()
  if (page.selected !== undefined) page.selected = Math.max(0, page.selected - count)
}

/** The tree after frame `index`. */
function treeAt(index) {
  if (index === page.frames.length - 1) return page.live
  if (index < 0) return page.base
  const checkpoint = Math.floor(index / CHECKPOINT_EVERY)
  const tree = new Map(page.checkpoints[checkpoint] ?? page.base)
  for (let at = checkpoint * CHECKPOINT_EVERY + 1; at <= index; at++) applyFrame(tree, page.frames[at])
  return tree
}

/** The last stats sample at or before frame `index`, and one about a second before it. */
function samplesAt(index) {
  let now
  let at = index
  for (; at >= 0; at--) {
    if (page.frames[at].stats) {
      now = page.frames[at]
      break
    }
  }
  if (now === undefined) return { now: undefined, before: undefined }
  let before
  for (let earlier = at - 1; earlier >= 0; earlier--) {
    const frame = page.frames[earlier]
    if (!frame.stats) continue
    before = frame
    if (now.timestampMs - frame.timestampMs >= 900) break
  }
  return { now, before }
}

// ------------------------------------------------------------------------------ the stream

function connect() {
  const connection = document.getElementById('connection')
  const stream = new EventSource('/api/events')
  stream.addEventListener('hello', (message) => {
    const hello = JSON.parse(message.data)
    page.state = hello.state
    page.base = new Map(hello.base.map((table) => [table.fileNumber, table]))
    page.live = new Map(page.base)
    page.frames = []
    page.checkpoints = []
    page.selected = undefined
    page.shownBefore = 0
    for (const table of hello.base) widenKeySpace(table)
    for (const table of hello.state.levels.flatMap((level) => level.tables)) widenKeySpace(table)
    for (const frame of hello.frames) addFrame(frame)
    document.getElementById('directory').textContent = hello.state.directory
    connection.textContent = 'live'
    connection.dataset.connection = 'live'
    page.dirty = true
  })
  stream.addEventListener('frame', (message) => addFrame(JSON.parse(message.data)))
  stream.addEventListener('error', () => {
    connection.textContent = 'reconnecting…'
    connection.dataset.connection = 'reconnecting'
  })
}

// ------------------------------------------------------------------------------ rendering

/** What each costly part was last drawn for: a part is drawn again only when it changed. */
const drawnFor = { levels: '', events: '', activity: '' }

function render() {
  if (!page.dirty) return
  page.dirty = false
  const last = page.frames.length - 1
  const index = page.selected === undefined ? last : Math.min(page.selected, last)
  renderTimeline(index)
  if (index < 0) {
    if (page.state !== undefined) renderLevels(page.live, undefined)
    return
  }
  const frame = page.frames[index]
  renderMode(frame)
  renderFigures(index)
  renderMemtables(index)
  renderStall(frame)
  renderRunning(frame)
  // The tree on a new frame or width, and every 500 ms while new tables are lit up.
  const levelsKey = `${frame.seq}:${window.innerWidth}:${Math.floor(Date.now() / 500)}`
  if (levelsKey !== drawnFor.levels) {
    drawnFor.levels = levelsKey
    renderLevels(treeAt(index), frame)
  }
  const eventsKey = `${frame.seq}`
  if (eventsKey !== drawnFor.events) {
    drawnFor.events = eventsKey
    renderEvents(index)
  }
  const activityKey = `${page.frames[0].seq}:${last}:${index}:${window.innerWidth}`
  if (activityKey !== drawnFor.activity) {
    drawnFor.activity = activityKey
    renderActivity(index)
  }
}

function renderMode(frame) {
  const mode = document.getElementById('mode')
  const state = page.state
  const closed = frame.stats === undefined || frame.stats.status === 'closed'
  const name = closed ? 'detached' : (state?.mode ?? 'own')
  mode.dataset.mode = name
  mode.textContent =
    name === 'follow'
      ? "following another process's writer (read-only)"
      : name === 'own'
        ? 'opened by the server'
        : 'database closed'
}

function setMetric(name, value, note) {
  const element = document.querySelector(`[data-metric="${name}"]`)
  element.querySelector('.value').textContent = value
  if (note !== undefined) {
    const noteElement = element.querySelector('.note')
    if (noteElement) noteElement.textContent = note
  }
  return element
}

function renderFigures(index) {
  const { now, before } = samplesAt(index)
  if (now === undefined) return
  const stats = now.stats
  const seconds = before === undefined ? 0 : (now.timestampMs - before.timestampMs) / 1000
  const rate = (current, earlier) => (seconds > 0 ? Math.max(0, (current - earlier) / seconds) : 0)
  const writes = before === undefined ? undefined : rate(stats.lastSeq, before.stats.lastSeq)
  const blockReads =
    before === undefined
      ? undefined
      : rate(stats.cache.hits + stats.cache.misses, before.stats.cache.hits + before.stats.cache.misses)
  setMetric('writes-per-second', writes === undefined ? '–' : formatCount(writes)).dataset.value = String(
    writes ?? '',
  )
  setMetric('reads-per-second', blockReads === undefined ? '–' : formatCount(blockReads))
  setMetric(
    'write-amplification',
    stats.userBytesWritten === 0 ? 'n/a' : `${stats.writeAmplification.toFixed(2)}×`,
  ).dataset.value = String(stats.writeAmplification)
  setMetric('space-amplification', `${stats.spaceAmplification.toFixed(2)}×`).dataset.value = String(
    stats.spaceAmplification,
  )
  const lookups = stats.cache.hits + stats.cache.misses
  setMetric(
    'cache-hit-rate',
    lookups === 0 ? 'n/a' : `${((100 * stats.cache.hits) / lookups).toFixed(1)}%`,
    `${formatCount(stats.cache.hits)} hits, ${formatCount(stats.cache.misses)} misses · ${formatBytes(stats.cache.usedBytes)} of ${formatBytes(stats.cache.capacityBytes)}`,
  )
  setMetric('wal-bytes', formatBytes(stats.walBytes), `last seq ${formatCount(stats.lastSeq)}`)
  setMetric(
    'tables',
    formatCount(stats.tableFiles),
    `${formatBytes(stats.tableBytes)} · ~${formatBytes(stats.estimatedLiveBytes)} live`,
  )
  setMetric(
    'stalls',
    formatCount(stats.stalls.count),
    `${formatDuration(stats.stalls.totalMs)} in total${now.stall ? ' · stalled now' : ''}`,
  )
  drawSpark('write-amplification', index, (frame) => frame.stats?.writeAmplification)
  drawSpark('space-amplification', index, (frame) => frame.stats?.spaceAmplification)
}

/** A line of `value(frame)` over the frames up to `index` (at most 300 points). */
function drawSpark(name, index, value) {
  const canvas = document.querySelector(`[data-metric="${name}"] canvas`)
  const context = canvas.getContext('2d')
  const points = []
  const step = Math.max(1, Math.ceil((index + 1) / 300))
  for (let at = 0; at <= index; at += step) {
    const found = value(page.frames[at])
    if (found !== undefined) points.push(found)
  }
  context.clearRect(0, 0, canvas.width, canvas.height)
  if (points.length < 2) return
  const high = Math.max(...points, 1)
  context.strokeStyle = '#5ab0f0'
  context.lineWidth = 1.5
  context.beginPath()
  points.forEach((point, at) => {
    const x = (at / (points.length - 1)) * (canvas.width - 2) + 1
    const y = canvas.height - 2 - (point / high) * (canvas.height - 4)
    if (at === 0) context.moveTo(x, y)
    else context.lineTo(x, y)
  })
  context.stroke()
}

function renderMemtables(index) {
  const { now } = samplesAt(index)
  const container = document.getElementById('memtables')
  if (now === undefined) return
  const stats = now.stats
  const limit = page.state?.memtableLimitBytes ?? lastFlushLimit(index)
  const boxes = [{ kind: 'active', bytes: stats.memtableBytes }]
  const frozen = stats.frozenMemtables
  for (let at = 0; at < frozen; at++)
    boxes.push({ kind: 'frozen', bytes: stats.frozenMemtableBytes / frozen })
  // Built with the DOM (no inline style attributes: the page's CSP allows none).
  container.replaceChildren(
    ...boxes.map(({ kind, bytes }) => {
      const fill = limit ? Math.min(100, (100 * bytes) / limit) : 0
      const box = document.createElement('div')
      box.className = 'memtable'
      box.dataset.memtable = kind
      box.dataset.bytes = String(Math.round(bytes))
      const bar = document.createElement('div')
      bar.className = 'bar'
      const filled = document.createElement('div')
      filled.className = 'fill'
      filled.style.width = `${limit ? fill : 100}%`
      if (!limit) box.dataset.limit = 'unknown'
      bar.appendChild(filled)
      const caption = document.createElement('div')
      caption.className = 'caption'
      caption.textContent =
        kind === 'active'
          ? `active: ${formatBytes(bytes)}${limit ? ` of ${formatBytes(limit)} (${fill.toFixed(0)}%)` : ' (limit unknown)'}`
          : `frozen, waiting for its flush: ${formatBytes(bytes)}`
      box.append(bar, caption)
      return box
    }),
  )
}

/** The memtable limit of the last flush up to frame `index`. */
function lastFlushLimit(index) {
  for (let at = index; at >= 0; at--) {
    for (const event of page.frames[at].events) if (event.type === 'flush') return event.memtableLimitBytes
  }
  return undefined
}

function renderStall(frame) {
  const stall = document.getElementById('stall')
  if (!frame.stall) {
    stall.hidden = true
    return
  }
  const why = {
    memtables: 'frozen memtables wait for their flush',
    'level0-stop': 'level 0 is full: writes wait for compaction',
    'level0-slowdown': 'level 0 is filling: each write is delayed 1 ms',
  }[frame.stall.cause]
  stall.hidden = false
  stall.dataset.stall = frame.stall.cause
  stall.textContent = `write stall for ${formatDuration(frame.timestampMs - frame.stall.sinceMs)}: ${why ?? frame.stall.cause}`
}

// ------------------------------------------------------------------------------ the levels

/** Where `hex` falls in the key space seen, from 0 to 1: the bytes after the prefix every key
 *  shares, read as a number. */
function keySpace() {
  const low = page.lowKey ?? ''
  const high = page.highKey ?? ''
  let prefix = 0
  while (
    prefix + 2 <= low.length &&
    prefix + 2 <= high.length &&
    low.slice(prefix, prefix + 2) === high.slice(prefix, prefix + 2)
  )
    prefix += 2
  const numberOf = (hex) => Number.parseInt(hex.slice(prefix, prefix + 12).padEnd(12, '0'), 16)
  const lowNumber = numberOf(low)
  const span = Math.max(1, numberOf(high) - lowNumber)
  return { position: (hex) => Math.min(1, Math.max(0, (numberOf(hex) - lowNumber) / span)), low, high }
}

const drawn = new Map()

function renderLevels(tree, frame) {
  const container = document.getElementById('levels')
  const byLevel = []
  for (const table of tree.values()) {
    if (byLevel[table.level] === undefined) byLevel[table.level] = []
    byLevel[table.level].push(table)
  }
  const levelCount = Math.max(page.state?.levels.length ?? 7, byLevel.length)
  while (container.children.length < levelCount) {
    const level = container.children.length
    const row = document.createElement('div')
    row.className = 'level'
    row.dataset.level = String(level)
    row.innerHTML = `<div class="name"></div><canvas></canvas>`
    const canvas = row.querySelector('canvas')
    canvas.addEventListener('mousemove', (event) => showTooltip(level, canvas, event))
    canvas.addEventListener('mouseleave', hideTooltip)
    container.appendChild(row)
  }
  const space = keySpace()
  document.getElementById('key-low').textContent = page.lowKey === undefined ? '' : showKey(space.low)
  document.getElementById('key-high').textContent = page.highKey === undefined ? '' : showKey(space.high)
  const busy = new Set((frame?.running ?? []).flatMap((job) => (job.kind === 'compaction' ? job.tables : [])))
  const nowMs = frame?.timestampMs ?? Date.now()
  for (let level = 0; level < levelCount; level++) {
    const tables = byLevel[level] ?? []
    const row = container.children[level]
    const bytes = tables.reduce((total, table) => total + table.fileBytes, 0)
    row.dataset.tableCount = String(tables.length)
    row.dataset.bytes = String(bytes)
    row.querySelector('.name').innerHTML =
      `<b>L${level}</b> ${formatCount(tables.length)} table${tables.length === 1 ? '' : 's'} · ${formatBytes(bytes)}`
    drawLevel(row.querySelector('canvas'), level, tables, space, busy, nowMs)
  }
}

function drawLevel(canvas, level, tables, space, busy, nowMs) {
  const ratio = window.devicePixelRatio || 1
  const width = Math.max(100, Math.round(canvas.clientWidth * ratio))
  const height = Math.max(10, Math.round(canvas.clientHeight * ratio))
  if (canvas.width !== width) canvas.width = width
  if (canvas.height !== height) canvas.height = height
  const context = canvas.getContext('2d')
  context.clearRect(0, 0, width, height)
  // Level 0's tables overlap: each gets its own lane (newest on top); deeper levels one lane.
  const sorted = level === 0 ? [...tables].sort((a, b) => b.fileNumber - a.fileNumber) : tables
  const lanes = level === 0 ? Math.max(1, sorted.length) : 1
  const laneHeight = height / lanes
  const rects = []
  const color = LEVEL_COLORS[level % LEVEL_COLORS.length]
  sorted.forEach((table, index) => {
    const x = space.position(table.smallestKey) * width
    const right = space.position(table.largestKey) * width
    // A gap of one device pixel between neighbours once a table is wide enough to show one.
    const span = right - x
    const rect = {
      x,
      y: level === 0 ? index * laneHeight : 0,
      width: span > 4 * ratio ? span - ratio : Math.max(1.5 * ratio, span),
      height: level === 0 ? Math.max(1, laneHeight - 1) : height,
      table,
    }
    // A compaction's inputs in orange while it runs; a table that just appeared outlined.
    const young = nowMs - (page.born.get(table.fileNumber) ?? 0) < 1000
    context.fillStyle = busy.has(table.fileNumber) ? BUSY_COLOR : color
    context.globalAlpha = busy.has(table.fileNumber) || young ? 0.95 : 0.7
    context.fillRect(rect.x, rect.y, rect.width, rect.height)
    if (young) {
      context.globalAlpha = 1
      context.strokeStyle = '#ffffff'
      context.lineWidth = ratio
      context.strokeRect(
        rect.x + ratio / 2,
        rect.y + ratio / 2,
        Math.max(ratio, rect.width - ratio),
        Math.max(ratio, rect.height - ratio),
      )
    }
    rects.push(rect)
  })
  context.globalAlpha = 1
  drawn.set(level, { rects, ratio })
}

function showTooltip(level, canvas, event) {
  const found = drawn.get(level)
  if (found === undefined) return
  const bounds = canvas.getBoundingClientRect()
  const x = (event.clientX - bounds.left) * found.ratio
  const y = (event.clientY - bounds.top) * found.ratio
  const slack = 2 * found.ratio
  const rect = found.rects.find(
    (candidate) =>
      x >= candidate.x - slack &&
      x <= candidate.x + candidate.width + slack &&
      y >= candidate.y &&
      y <= candidate.y + candidate.height,
  )
  const tooltip = document.getElementById('tooltip')
  if (rect === undefined) {
    hideTooltip()
    return
  }
  const table = rect.table
  tooltip.hidden = false
  tooltip.dataset.table = fileName(table.fileNumber)
  tooltip.textContent =
    `${fileName(table.fileNumber)}.sst · L${table.level} · ${formatBytes(table.fileBytes)}\n` +
    `${formatCount(table.entries)} entries (${formatCount(table.tombstones)} tombstones)\n` +
    `keys ${showKey(table.smallestKey)} … ${showKey(table.largestKey)}\n` +
    `seq ${formatCount(table.minSeq)} … ${formatCount(table.maxSeq)}`
  tooltip.style.left = `${event.clientX + 14}px`
  tooltip.style.top = `${event.clientY + 14}px`
}

function hideTooltip() {
  document.getElementById('tooltip').hidden = true
}

function renderRunning(frame) {
  const list = document.getElementById('running')
  list.innerHTML = frame.running
    .map((job) => {
      const what =
        job.kind === 'flush'
          ? `flush #${job.jobId}: memtable (${formatBytes(job.bytes)}) → L0 table ${fileName(job.tables[0])}`
          : `compaction #${job.jobId}: L${job.level}→L${job.outputLevel}, ${job.tables.length} tables in (${formatBytes(job.bytes)}): ${tableList(job.tables)}`
      return `<li data-job="${job.kind}">${escapeHtml(what)} · running ${formatDuration(frame.timestampMs - job.startedMs)}</li>`
    })
    .join('')
}

// ------------------------------------------------------------------------------ events

function eventKind(event) {
  if (event.type === 'observed') return event.kind
  if (event.type === 'compaction' && event.trivialMove) return 'trivial-move'
  return event.type
}

function describeEvent(event) {
  switch (event.type) {
    case 'observed':
      return event.text
    case 'flush':
      return event.phase === 'begin'
        ? `flush #${event.jobId} begins: memtable ${formatBytes(event.memtableBytes)} of ${formatBytes(event.memtableLimitBytes)}, ${formatCount(event.entries)} entries → ${fileName(event.fileNumber)}.sst`
        : `flush #${event.jobId}: L0 table ${fileName(event.fileNumber)} (${formatCount(event.entries)} entries, ${formatBytes(event.fileBytes)}) in ${formatDuration(event.durationMs)}`
    case 'compaction': {
      const levels = `L${event.level}→L${event.outputLevel}`
      if (event.phase === 'begin') {
        return `${event.trivialMove ? 'trivial move' : 'compaction'} #${event.jobId} begins (${event.reason}) ${levels}: ${event.inputs.length} tables in, ${formatBytes(event.inputBytes)}: ${tableList(event.inputs)}`
      }
      if (event.trivialMove) {
        return `trivial move #${event.jobId} ${levels}: ${tableList(event.outputs)} moved down without a rewrite (${formatBytes(event.outputBytes)})`
      }
      const dropped =
        event.droppedVersions + event.droppedTombstones > 0
          ? `, dropped ${formatCount(event.droppedVersions)} old versions and ${formatCount(event.droppedTombstones)} tombstones`
          : ''
      return `compaction #${event.jobId} ${levels} (${event.reason}): in ${tableList(event.inputs)} → out ${tableList(event.outputs)}; read ${formatBytes(event.bytesRead)}, wrote ${formatBytes(event.bytesWritten)}${dropped} in ${formatDuration(event.durationMs)}`
    }
    case 'wal-truncate':
      return `WAL truncated to ${formatBytes(event.bytesAfter)} (was ${formatBytes(event.bytesBefore)}): entries up to seq ${formatCount(event.seq)} live in tables`
    case 'stall':
      return event.phase === 'begin'
        ? `write stall begins (${event.cause}): ${event.frozenMemtables} frozen memtables, ${event.level0Files} level-0 tables`
        : `write stall ends (${event.cause}) after ${formatDuration(event.durationMs)}: ${formatCount(event.writesStalled)} writes held`
    case 'background-error':
      return `background error in ${event.operation}: ${event.error?.message ?? ''}`
    case 'read-only':
      return `the database turned read-only after a failed ${event.operation}: ${event.cause?.message ?? ''}`
    case 'version':
      return `version: +${event.added.length} −${event.removed.length} tables (${event.cause} #${event.jobId})`
    case 'close':
      return `the database closed (${formatDuration(event.durationMs)})`
    default:
      return event.type
  }
}

function renderEvents(index) {
  const rows = []
  for (let at = index; at >= 0 && rows.length < EVENTS_SHOWN; at--) {
    const frame = page.frames[at]
    const dropped = Object.entries(frame.dropped)
    if (dropped.length > 0) {
      rows.push(
        `<li class="dropped">${escapeHtml(`${formatTime(frame.timestampMs)} · more in this moment than the page is sent: ${dropped.map(([kind, count]) => `${count} ${kind}`).join(', ')}`)}</li>`,
      )
    }
    for (let event = frame.events.length - 1; event >= 0 && rows.length < EVENTS_SHOWN; event--) {
      const shown = frame.events[event]
      if (shown.type === 'version') continue
      const kind = eventKind(shown)
      rows.push(
        `<li data-event="${escapeHtml(kind)}"${shown.phase ? ` data-phase="${shown.phase}"` : ''}><span class="time">${formatTime(shown.timestampMs)}</span><span class="kind">${escapeHtml(kind)}</span> ${escapeHtml(describeEvent(shown))}</li>`,
      )
    }
  }
  const total = page.frames[index].shownUpTo
  document.getElementById('events').innerHTML = rows.join('')
  document.getElementById('event-count').textContent =
    `${formatCount(total)} events up to this point, newest first`
}

// ------------------------------------------------------------------------------ timeline

function renderTimeline(index) {
  const slider = document.getElementById('timeline')
  const last = page.frames.length - 1
  slider.max = String(Math.max(0, last))
  slider.value = String(Math.max(0, index))
  const live = document.getElementById('live')
  live.dataset.live = String(page.selected === undefined)
  const label = document.getElementById('timeline-label')
  if (index < 0) {
    label.textContent = 'waiting for the first frame'
    return
  }
  const frame = page.frames[index]
  const first = page.frames[0]
  label.textContent =
    page.selected === undefined
      ? `live · ${formatCount(page.frames.length)} frames since ${formatTime(first.timestampMs)}`
      : `as of ${formatTime(frame.timestampMs)} (frame ${formatCount(index + 1)} of ${formatCount(page.frames.length)}); press live to follow again`
}

/** Events per frame as bars under the slider: flushes, compactions, others. */
function renderActivity(index) {
  const canvas = document.getElementById('activity')
  const ratio = window.devicePixelRatio || 1
  const width = Math.max(100, Math.round(canvas.clientWidth * ratio))
  if (canvas.width !== width) canvas.width = width
  const context = canvas.getContext('2d')
  context.clearRect(0, 0, canvas.width, canvas.height)
  const count = page.frames.length
  if (count === 0) return
  const buckets = Math.min(count, Math.floor(width / 3))
  const perBucket = count / buckets
  const totals = new Array(buckets).fill(0)
  const compactions = new Array(buckets).fill(0)
  for (let at = 0; at < count; at++) {
    const bucket = Math.min(buckets - 1, Math.floor(at / perBucket))
    totals[bucket] += page.frames[at].shown
    compactions[bucket] += page.frames[at].compactions
  }
  const high = Math.max(1, ...totals)
  const barWidth = width / buckets
  for (let bucket = 0; bucket < buckets; bucket++) {
    const total = (totals[bucket] / high) * canvas.height
    const part = (compactions[bucket] / high) * canvas.height
    context.fillStyle = '#5ab0f0'
    context.fillRect(bucket * barWidth, canvas.height - total, Math.max(1, barWidth - 1), total - part)
    context.fillStyle = '#f0a35a'
    context.fillRect(bucket * barWidth, canvas.height - part, Math.max(1, barWidth - 1), part)
  }
  context.fillStyle = '#ffffff'
  context.fillRect(((index + 0.5) / count) * width - 1, 0, 2, canvas.height)
}

document.getElementById('timeline').addEventListener('input', (event) => {
  const value = Number(event.target.value)
  page.selected = value >= page.frames.length - 1 ? undefined : value
  page.dirty = true
})
document.getElementById('live').addEventListener('click', () => {
  page.selected = undefined
  page.dirty = true
})
window.addEventListener('resize', () => {
  page.dirty = true
})
// Tables light up for a moment after they appear: redraw at least twice a second.
setInterval(() => {
  page.dirty = true
}, 500)
// A timer rather than requestAnimationFrame: at most 10 renders a second, whatever the rate of
// frames, and a page in the background still catches up.
setInterval(render, 100)

connect()
