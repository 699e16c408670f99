// The operator console: sign-in, the live alert table with its filters,
// acknowledgement and clearing, the critical banner and sound, keyboard
// operation, the connection indicator and the side panels. Modules: the
// connection (connection.js), the alerts held (alert_state.js), the table
// (alert_table.js), sound (alarm.js), the side panels (stats_panel.js), the
// Shelved view (suppression_panel.js) and the audit tab (audit_panel.js).
import { byId, el, asText } from './dom.js';
import { AlertState, needsAck, suppressed } from './alert_state.js';
import { Connection } from './connection.js';
import { AlertTable } from './alert_table.js';
import { Alarm } from './alarm.js';
import { StatsPanel } from './stats_panel.js';
import { SuppressionPanel } from './suppression_panel.js';
import { AuditPanel } from './audit_panel.js';

const TOKEN_KEY = 'rover-alerts.token';
const STATS_EVERY_MS = 3000;
// What a role may do when the relay does not say (welcome's `may`).
const DEFAULT_MAY = { viewer: ['alert_ack'], operator: ['alert_ack', 'alert_clear'],
                      admin: ['alert_ack', 'alert_clear', 'alert_create'] };
let may = new Set();
// The shelf durations to offer and the relay's maximum (welcome's `shelving`).
let shelving = { presets: [900, 3600, 14400, 28800], maxSeconds: 28800 };

const root = document.documentElement;
const state = new AlertState();
const alarm = new Alarm(root);
const stats = new StatsPanel(byId('rovers'), byId('stats'));
let connection = null;
let role = '';
let statsTimer = null;
let renderQueued = false;

const table = new AlertTable(byId('alert-rows'), byId('empty'), {
  ack: (id) => askAck([id]),
  clear: (id) => askClear(id),
  shelve: (id) => askShelve([id]),
  selectionChanged: () => showSelection(),
});
const shelved = new SuppressionPanel(byId('shelved'), byId('shelved-count'), {
  unshelve: (target) => act({ type: 'alert_unshelve', ...target }, 'Unshelve'),
  returnToService: (scope, value) => act({ type: 'return_to_service', scope, value }, 'Return to service'),
});
const audit = new AuditPanel({ rows: byId('audit-rows'), more: byId('audit-more'), form: byId('audit-form'),
                               user: byId('audit-user'), alert: byId('audit-alert'), action: byId('audit-action') },
                             (query) => connection.request(query), (error) => notify(`Audit trail: ${error.message}`));

// --- sign-in ------------------------------------------------------------------

function signIn(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
  byId('signin').hidden = true;
  byId('app').hidden = false;
  byId('signin-error').textContent = '';
  connection = new Connection(token, state, {
    status: showConnection,
    welcome: onWelcome,
    changes: onChanges,
    caughtUp: onCaughtUp,
    flood: showFlood,
    escalation: onEscalation,
    shelveExpiring: onShelveExpiring,
    suppressions: (message) => {
      shelved.setRules(message);
      scheduleRender();
    },
    signedOut: (reason) => signOut(`Signed out: ${reason}`),
  });
  connection.start();
  statsTimer = setInterval(pollStats, STATS_EVERY_MS);
}

function signOut(message = '') {
  sessionStorage.removeItem(TOKEN_KEY);
  if (connection) connection.stop();
  connection = null;
  clearInterval(statsTimer);
  state.epoch = null;
  state.reset();
  table.selected.clear();
  alarm.setCritical(false);
  alarm.unmute();
  showFlood({ active: false });
  escalations.clear();
  shelfWarnings.clear();
  shelved.setRules({});
  root.dataset.conn = 'signed-out';
  byId('app').hidden = true;
  byId('signin').hidden = false;
  byId('signin-error').textContent = message;
  byId('token').value = '';
  byId('token').focus();
  render();
}

byId('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const token = byId('token').value.trim();
  if (!token) return;
  alarm.unlock();  // the click (or Enter) is the gesture the browser wants before any sound
  signIn(token);
});
byId('signout').addEventListener('click', () => signOut());

// --- connection ---------------------------------------------------------------

function showConnection(status, detail) {
  const indicator = byId('conn');
  root.dataset.conn = status;
  indicator.className = `conn conn-${status}`;
  indicator.textContent = detail && status === 'reconnecting' ? `${status} · ${detail}` : status;
}

function onWelcome(welcome) {
  role = asText(welcome.role);
  byId('who').textContent = `${asText(welcome.user)} · ${role}`;
  may = new Set(Array.isArray(welcome.may) ? welcome.may.map(asText) : (DEFAULT_MAY[role] ?? []));
  table.setAllowed({ ack: may.has('alert_ack'), clear: may.has('alert_clear'), shelve: may.has('alert_shelve') });
  shelved.setAllowed({ unshelve: may.has('alert_unshelve'), returnToService: may.has('return_to_service') });
  byId('bulk-ack').hidden = !may.has('alert_ack');
  byId('bulk-shelve').hidden = !may.has('alert_shelve');
  byId('oos-form').hidden = !may.has('out_of_service');
  byId('audit-button').hidden = !may.has('audit_query');
  const offered = welcome.shelving;
  if (offered && Array.isArray(offered.presets) && Number.isFinite(offered.maxSeconds)) shelving = offered;
  render();
}

function onChanges(applied, live) {
  if (live) {
    for (const { change, alert } of applied) {
      if (change.type === 'new' && alert && alert.priority === 'high' && !suppressed(alert)) alarm.chime();
    }
  }
  scheduleRender();
}

// After a reconnect the indicator says what the resync brought back.
function onCaughtUp(recovered, how) {
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (how === 'first') showConnection('connected', '');
  else {
    showConnection('resynced', '');
    byId('conn').textContent = how === 'resumed'
      ? `resynced · ${plural(recovered, 'change')} recovered`
      : `resynced · new history, ${plural(recovered, 'alert')} loaded`;
  }
  root.dataset.recovered = String(recovered);
  pollStats();
  // Key shelves and out-of-service rules: the list as it is now.
  connection?.request({ type: 'suppression_list' }).then((list) => {
    shelved.setRules(list);
    scheduleRender();
  }).catch(() => {});
  scheduleRender();
}

async function pollStats() {
  if (!connection) return;
  try {
    const result = await connection.request({ type: 'get_stats' });
    stats.render(result);
    // A console that connected during a flood learns of it here.
    const flood = result?.alarms?.flood;
    if (flood && typeof flood === 'object') {
      showFlood({ active: flood.active === true, firstOut: flood.firstOut, rate: result.alarms.rate,
                  windowMs: result.alarms.windowMs, floodStart: flood.start });
    }
  } catch {
    // Disconnected or refused: the next poll tries again.
  }
}

// An alarm flood (ISA-18.2: more alarms than an operator can handle) buries
// the alarm that started it: the banner names that first-out alarm.
function showFlood(flood) {
  const banner = byId('flood-banner');
  const active = flood.active === true;
  root.dataset.flood = active ? 'on' : 'off';
  banner.hidden = !active;
  if (!active) {
    banner.textContent = '';
    return;
  }
  const minutes = Number.isFinite(flood.windowMs) ? Math.max(1, Math.round(flood.windowMs / 60000)) : 10;
  let text = `Alarm flood: ${asText(flood.rate)} alarms in ${minutes} min (over ${asText(flood.floodStart)}).`;
  const first = flood.firstOut;
  if (first && typeof first === 'object') {
    const held = state.alerts.get(first.id);
    const what = held?.data?.title || held?.data?.message || first.key;
    text += ` First out: ${asText(what)} (${asText(first.priority)}${first.rover ? `, ${asText(first.rover)}` : ''}).`;
  }
  banner.textContent = text;
}

// --- rendering ----------------------------------------------------------------

// Changes come in bursts: one render for each burst. A timer, not
// requestAnimationFrame, so that a console in a background tab still raises
// its alarm.
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    render();
  }, 30);
}

function filters() {
  return {
    priority: byId('filter-priority').value,
    source: byId('filter-source').value,
    rover: byId('filter-rover').value,
    state: byId('filter-state').value,
    text: byId('search').value.trim().toLowerCase(),
  };
}

function matches(alert, f) {
  const d = alert.data;
  if (suppressed(alert)) return false;  // in the Shelved view instead
  if (f.priority && alert.priority !== f.priority) return false;
  if (f.source && d.source !== f.source) return false;
  if (f.rover && (d.rover ?? '') !== f.rover) return false;
  if (f.state === 'unacked' && !needsAck(alert)) return false;
  if (f.state === 'acked' && needsAck(alert)) return false;
  if (f.state && f.state !== 'unacked' && f.state !== 'acked' && d.state !== f.state) return false;
  if (f.text) {
    const haystack = [alert.id, d.title, d.message, d.source, d.rover, d.key, d.acknowledgedBy, d.ackComment]
      .map(asText).join('\n').toLowerCase();
    if (!haystack.includes(f.text)) return false;
  }
  return true;
}

// Keeps a filter's <select> in step with the values present, keeping its choice.
function fillOptions(select, values) {
  const chosen = select.value;
  const wanted = ['', ...[...values].sort()];
  if (chosen && !values.has(chosen)) wanted.push(chosen);
  const current = [...select.options].map((o) => o.value);
  if (current.length === wanted.length && current.every((v, i) => v === wanted[i])) return;
  select.replaceChildren(...wanted.map((v) => el('option', { value: v, text: v === '' ? 'all' : v })));
  select.value = chosen;
}

function render() {
  const sources = new Set();
  const rovers = new Set();
  for (const alert of state.alerts.values()) {
    if (typeof alert.data.source === 'string') sources.add(alert.data.source);
    rovers.add(typeof alert.data.rover === 'string' ? alert.data.rover : '');
  }
  rovers.delete('');
  fillOptions(byId('filter-source'), sources);
  fillOptions(byId('filter-rover'), rovers);

  const f = filters();
  const shown = state.sorted((alert) => matches(alert, f));
  // Shelved or out of service: out of the table, so out of the selection too.
  table.pruneSelection(new Set([...state.alerts.values()].filter((a) => !suppressed(a)).map((a) => a.id)));
  table.render(shown);
  const unacked = shown.filter(needsAck).length;
  byId('counts').textContent = `${shown.length} shown · ${unacked} unacked · ${state.alerts.size} held`;
  showSelection();

  const critical = state.unackedCount('critical');
  const banner = byId('banner');
  banner.hidden = critical === 0;
  banner.textContent = critical === 0 ? '' :
    `${critical} critical alert${critical === 1 ? '' : 's'} not acknowledged`;
  alarm.setCritical(critical > 0);
  shelved.render(state.alerts);
  showEscalation();
}

function showSelection() {
  const n = table.selected.size;
  const button = byId('bulk-ack');
  button.disabled = n === 0;
  button.textContent = n ? `Ack selected (${n})` : 'Ack selected';
  const shelve = byId('bulk-shelve');
  shelve.disabled = n === 0;
  shelve.textContent = n ? `Shelve selected (${n})` : 'Shelve selected';
}

for (const id of ['filter-priority', 'filter-source', 'filter-rover', 'filter-state']) {
  byId(id).addEventListener('change', render);
}
byId('search').addEventListener('input', render);
setInterval(() => {
  table.tickAges();
  shelved.tick();
  showShelfWarnings();
}, 1000);

// --- mute ---------------------------------------------------------------------

function showMute() {
  const button = byId('mute');
  const left = alarm.muteLeft;
  button.setAttribute('aria-pressed', left > 0 ? 'true' : 'false');
  button.classList.toggle('muted', left > 0);
  if (left > 0) {
    const s = Math.ceil(left / 1000);
    button.textContent = `Muted ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  } else {
    button.textContent = 'Mute';
  }
}
alarm.onChange(showMute);
showMute();
byId('mute').addEventListener('click', () => alarm.toggleMute());

// --- acknowledge and clear ----------------------------------------------------

let confirmAction = null;

function ask({ title, text, ok, comment, action }) {
  const dialog = byId('confirm');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = ok;
  byId('comment').value = '';
  byId('comment').hidden = !comment;
  byId('comment-label').hidden = !comment;
  confirmAction = action;
  dialog.showModal();
  (comment ? byId('comment') : byId('confirm-ok')).focus();
}

byId('confirm-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const action = confirmAction;
  confirmAction = null;
  byId('confirm').close();
  if (action) action(byId('comment').value.trim());
});
byId('confirm-cancel').addEventListener('click', () => {
  confirmAction = null;
  byId('confirm').close();
});

function describe(id) {
  const alert = state.alerts.get(id);
  if (!alert) return id;
  return [alert.data.rover, alert.data.title || alert.data.message].map(asText).filter(Boolean).join(': ');
}

function askAck(ids) {
  if (!connection || !ids.length || !may.has('alert_ack')) return;
  ask({
    title: ids.length === 1 ? 'Acknowledge alert' : `Acknowledge ${ids.length} alerts`,
    text: ids.length === 1 ? describe(ids[0]) : `${ids.length} selected alerts`,
    ok: 'Acknowledge',
    comment: true,
    action: (comment) => acknowledge(ids, comment),
  });
}

async function acknowledge(ids, comment) {
  const results = await Promise.allSettled(ids.map((alertId) => {
    const request = { type: 'alert_ack', alertId };
    if (comment) request.comment = comment;
    return connection.request(request);
  }));
  for (const id of ids) table.selected.delete(id);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) notify(`Acknowledgement failed: ${failed[0].reason.message}`);
  render();
}

function askClear(id) {
  if (!connection || !may.has('alert_clear') || !state.alerts.has(id)) return;
  ask({
    title: 'Clear alert',
    text: describe(id),
    ok: 'Clear',
    comment: false,
    action: async () => {
      try {
        await connection.request({ type: 'alert_clear', ids: [id] });
      } catch (error) {
        notify(`Clear failed: ${error.message}`);
      }
    },
  });
}

byId('bulk-ack').addEventListener('click', () => askAck([...table.selected]));
byId('bulk-shelve').addEventListener('click', () => askShelve([...table.selected]));

// A short message at the bottom of the screen, read out by screen readers.
let toastTimer = null;
function notify(message) {
  let toast = byId('toast');
  if (!toast) {
    toast = el('div', { id: 'toast', class: 'toast', role: 'status', 'aria-live': 'polite' });
    document.body.append(toast);
  }
  toast.textContent = message;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { toast.hidden = true; }, 6000);
}

// --- escalations and shelves ending -------------------------------------------

// The latest escalation of each alert still unacknowledged, shown until it is acknowledged.
const escalations = new Map();  // alertId -> message

function onEscalation(message) {
  escalations.set(asText(message.alertId), message);
  alarm.escalate();
  showEscalation();
}

function showEscalation() {
  for (const id of escalations.keys()) {
    const alert = state.alerts.get(id);
    if (!alert || !needsAck(alert) || suppressed(alert)) escalations.delete(id);
  }
  const banner = byId('escalation-banner');
  const latest = [...escalations.values()].pop();
  banner.hidden = !latest;
  root.dataset.escalated = String(escalations.size);
  if (!latest) {
    banner.textContent = '';
    return;
  }
  const what = asText(latest.title) || asText(latest.message);
  banner.textContent = `Escalated, still not acknowledged (level ${asText(latest.level)} of ${asText(latest.maxLevel)}): ` +
    `${latest.rover ? `${asText(latest.rover)}: ` : ''}${what} (${asText(latest.priority)})` +
    (escalations.size > 1 ? ` · and ${escalations.size - 1} more` : '');
}

// Shelves about to end (shelve_expiring), until they do.
const shelfWarnings = new Map();  // key -> message

function onShelveExpiring(message) {
  shelfWarnings.set(`${asText(message.rover)}\u0000${asText(message.key)}\u0000${asText(message.alertId)}`, message);
  showShelfWarnings();
}

// Still this shelf? Unshelved early, shelved anew (another end) or ended: no warning.
function shelfStands(m) {
  const id = asText(m.alertId);
  if (id) {
    const held = state.alerts.get(id);
    return !held || (held.data.shelved && typeof held.data.shelved === 'object' &&
                     Number(held.data.shelved.until) === Number(m.until));
  }
  return shelved.keyShelves.some((k) => k && asText(k.key) === asText(m.key) &&
                                        asText(k.rover) === asText(m.rover) && Number(k.shelved?.until) === Number(m.until));
}

function showShelfWarnings(now = Date.now()) {
  for (const [key, m] of shelfWarnings) if (!(Number(m.until) > now) || !shelfStands(m)) shelfWarnings.delete(key);
  const banner = byId('shelf-banner');
  banner.hidden = shelfWarnings.size === 0;
  banner.textContent = [...shelfWarnings.values()].map((m) => {
    const held = state.alerts.get(asText(m.alertId));
    const what = asText(held?.data?.title) || asText(held?.data?.message) || `key ${asText(m.key)}`;
    const rover = asText(held?.data?.rover ?? m.rover);
    return `Shelf of ${rover ? `${rover}: ` : ''}${what} ends in ${Math.max(0, Math.ceil((Number(m.until) - now) / 1000))} s ` +
      `(shelved by ${asText(m.shelved?.by)}: ${asText(m.shelved?.reason)})`;
  }).join(' · ');
}

// --- shelve, unshelve, out of service -------------------------------------------

function durationName(seconds) {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

let shelveTargets = [];

// The shelve dialog for one alert or the selected ones.
function askShelve(ids) {
  ids = ids.filter((id) => state.alerts.has(id));
  if (!connection || !ids.length || !may.has('alert_shelve')) return;
  shelveTargets = ids;
  byId('shelve-title').textContent = ids.length === 1 ? 'Shelve alert' : `Shelve ${ids.length} alerts`;
  byId('shelve-text').textContent = ids.length === 1 ? describe(ids[0]) : ids.map(describe).join(' · ');
  let presets = shelving.presets.filter((s) => Number.isSafeInteger(s) && s > 0 && s <= shelving.maxSeconds);
  if (!presets.length && shelving.maxSeconds > 0) presets = [shelving.maxSeconds];
  byId('shelve-duration').replaceChildren(...presets.map((s) => el('option', { value: String(s), text: durationName(s) })));
  byId('shelve-reason').value = '';
  byId('shelve-one-shot').checked = false;
  document.querySelector('input[name="shelve-scope"][value="alert"]').checked = true;
  byId('shelve-dialog').showModal();
  byId('shelve-reason').focus();
}

byId('shelve-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const reason = byId('shelve-reason').value.trim();
  if (!reason) {  // the relay refuses a shelf without one
    byId('shelve-reason').value = '';
    byId('shelve-reason').reportValidity();
    return;
  }
  const ids = shelveTargets;
  if (!ids.length) return;
  const shelf = { reason, durationSeconds: Number(byId('shelve-duration').value),
                  scope: document.querySelector('input[name="shelve-scope"]:checked').value,
                  oneShot: byId('shelve-one-shot').checked };
  byId('shelve-dialog').close();
  const results = await Promise.allSettled(ids.map((alertId) => connection.request({ type: 'alert_shelve', alertId, ...shelf })));
  for (const id of ids) table.selected.delete(id);
  const failed = results.filter((r) => r.status === 'rejected');
  if (failed.length) notify(`Shelve failed: ${failed[0].reason.message}`);
  render();
});
byId('shelve-cancel').addEventListener('click', () => byId('shelve-dialog').close());
// Cancel, Esc or sent: nothing is waiting to be shelved any more.
byId('shelve-dialog').addEventListener('close', () => { shelveTargets = []; });

byId('oos-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const value = byId('oos-value').value.trim();
  const reason = byId('oos-reason').value.trim();
  if (!value || !reason) return;
  if (await act({ type: 'out_of_service', scope: byId('oos-scope').value, value, reason }, 'Out of service')) {
    byId('oos-value').value = '';
    byId('oos-reason').value = '';
  }
});

// One request whose effect every screen sees through the relay's changes and lists.
async function act(request, what) {
  if (!connection) return false;
  try {
    await connection.request(request);
    return true;
  } catch (error) {
    notify(`${what} failed: ${error.message}`);
    return false;
  }
}

// --- audit tab ------------------------------------------------------------------

byId('audit-button').addEventListener('click', () => {
  const view = byId('audit-view');
  const opening = view.hidden;
  view.hidden = !opening;
  document.querySelector('.layout').hidden = opening;
  byId('audit-button').setAttribute('aria-pressed', opening ? 'true' : 'false');
  if (opening) audit.load();
});

// --- keyboard -----------------------------------------------------------------

function cycle(select) {
  select.selectedIndex = (select.selectedIndex + 1) % select.options.length;
  render();
}

const help = byId('help');
byId('help-button').addEventListener('click', () => help.showModal());
byId('help-close').addEventListener('click', () => help.close());

document.addEventListener('keydown', (event) => {
  if (byId('app').hidden || event.ctrlKey || event.metaKey || event.altKey) return;
  if (byId('confirm').open || help.open || byId('shelve-dialog').open) return;  // the dialog handles its own keys (Esc closes it)
  const target = event.target;
  const typing = target instanceof HTMLInputElement && target.type !== 'checkbox' ||
    target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
  if (typing) {
    if (event.key === 'Escape') {
      target.blur();
      event.preventDefault();
    }
    return;
  }
  const key = event.key;
  // The audit tab hides the table: its keys wait until it is back.
  if (!byId('audit-view').hidden && key !== 'm' && key !== '?') return;
  let handled = true;
  if (key === 'j' || key === 'ArrowDown') table.move(1);
  else if (key === 'k' || key === 'ArrowUp') table.move(-1);
  else if (key === 'Home') table.move(-Infinity);
  else if (key === 'End') table.move(Infinity);
  else if (key === 'A') askAck([...table.selected]);
  else if (key === 'a') {
    const alert = state.alerts.get(table.cursorId);
    if (alert && needsAck(alert)) askAck([alert.id]);
  } else if (key === 'c') askClear(table.cursorId);
  else if (key === 's') askShelve(table.cursorId ? [table.cursorId] : []);
  else if (key === 'S') askShelve([...table.selected]);
  else if (key === 'x') table.toggleSelected();
  else if (key === '/') byId('search').focus();
  else if (key === 'm') alarm.toggleMute();
  else if (key === 'p') cycle(byId('filter-priority'));
  else if (key === 'u') {
    const select = byId('filter-state');
    select.value = select.value === 'unacked' ? '' : 'unacked';
    render();
  } else if (key === '?') help.showModal();
  else handled = false;
  if (handled) event.preventDefault();
});

// Any click or key may be the gesture that lets sound play after a reload.
document.addEventListener('pointerdown', () => alarm.unlock());
document.addEventListener('keydown', () => alarm.unlock());

// --- start --------------------------------------------------------------------

const saved = sessionStorage.getItem(TOKEN_KEY);
if (saved) signIn(saved);
else byId('token').focus();
