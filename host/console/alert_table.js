// The alert table: one row per alert, rebuilt only when that alert's rev
// changes, reordered on every render; a keyboard cursor and a selection for
// bulk acknowledgement. Every field goes in as text (dom.js).
import { el, asText, formatTime, formatAge } from './dom.js';
import { needsAck, lastSeen } from './alert_state.js';

const STATE_NAMES = {
  active_unacked: 'active · unacked',
  active_acked: 'active · acked',
  rtn_unacked: 'returned · unacked',
  latched: 'latched',
  removed: 'removed',
};

// handlers: ack(id), clear(id), shelve(id), selectionChanged()
export class AlertTable {
  constructor(tbody, empty, handlers) {
    this.tbody = tbody;
    this.empty = empty;
    this.handlers = handlers;
    this.rows = new Map();  // id -> {row, rev, age, seen}
    this.order = [];
    this.cursorId = null;
    this.selected = new Set();
    this.canClear = false;
    this.canAck = true;
    this.canShelve = false;
    tbody.addEventListener('click', (event) => this.onClick(event));
    tbody.addEventListener('change', (event) => {
      const box = event.target.closest('input.select');
      if (!box) return;
      const id = box.closest('tr').dataset.id;
      if (box.checked) this.selected.add(id);
      else this.selected.delete(id);
      this.handlers.selectionChanged();
    });
  }

  // What the relay lets this user do (welcome's `may`): the buttons shown.
  setAllowed({ ack, clear, shelve }) {
    if (ack === this.canAck && clear === this.canClear && shelve === this.canShelve) return;
    this.canAck = ack;
    this.canClear = clear;
    this.canShelve = shelve;
    this.rows.clear();  // buttons come or go: rebuild every row
  }

  render(alerts, now = Date.now()) {
    const seen = new Set();
    const rows = [];
    for (const alert of alerts) {
      seen.add(alert.id);
      let entry = this.rows.get(alert.id);
      if (!entry || entry.rev !== alert.rev) {
        entry = this.buildRow(alert, now);
        this.rows.set(alert.id, entry);
      }
      entry.row.classList.toggle('selected', this.selected.has(alert.id));
      entry.row.querySelector('input.select').checked = this.selected.has(alert.id);
      rows.push(entry.row);
    }
    for (const id of this.rows.keys()) if (!seen.has(id)) this.rows.delete(id);
    this.order = alerts.map((a) => a.id);
    this.tbody.replaceChildren(...rows);
    this.empty.hidden = rows.length > 0;
    if (!seen.has(this.cursorId)) this.cursorId = this.order[0] ?? null;
    this.showCursor(false);
  }

  // Alerts selected that are no longer held are dropped from the selection.
  pruneSelection(held) {
    for (const id of this.selected) if (!held.has(id)) this.selected.delete(id);
  }

  tickAges(now = Date.now()) {
    for (const entry of this.rows.values()) entry.age.textContent = formatAge(entry.seen, now);
  }

  move(step) {
    if (!this.order.length) return;
    const at = this.order.indexOf(this.cursorId);
    const next = at < 0 ? 0 : Math.min(this.order.length - 1, Math.max(0, at + step));  // ±Infinity: last, first
    this.cursorId = this.order[next];
    this.showCursor(true);
  }

  toggleSelected(id = this.cursorId) {
    if (!id) return;
    if (this.selected.has(id)) this.selected.delete(id);
    else this.selected.add(id);
    const entry = this.rows.get(id);
    if (entry) {
      entry.row.classList.toggle('selected', this.selected.has(id));
      entry.row.querySelector('input.select').checked = this.selected.has(id);
    }
    this.handlers.selectionChanged();
  }

  showCursor(scroll) {
    for (const entry of this.rows.values()) {
      const current = entry.row.dataset.id === this.cursorId;
      entry.row.classList.toggle('cursor', current);
      entry.row.setAttribute('aria-current', current ? 'true' : 'false');
      if (current && scroll) entry.row.scrollIntoView({ block: 'nearest' });
    }
  }

  onClick(event) {
    const button = event.target.closest('button[data-command]');
    const row = event.target.closest('tr');
    if (!row) return;
    this.cursorId = row.dataset.id;
    this.showCursor(false);
    if (!button) return;
    if (button.dataset.command === 'ack') this.handlers.ack(row.dataset.id);
    else if (button.dataset.command === 'clear') this.handlers.clear(row.dataset.id);
    else if (button.dataset.command === 'shelve') this.handlers.shelve(row.dataset.id);
  }

  buildRow(alert, now) {
    const d = alert.data;
    const unacked = needsAck(alert);
    const seen = lastSeen(alert);
    const age = el('span', { class: 'age', text: formatAge(seen, now) });
    const rover = asText(d.rover);
    const row = el('tr', { class: `alert p-${alert.priority}${unacked ? ' unacked' : ''}`, dataset: { id: alert.id } },
      el('td', {}, el('input', { type: 'checkbox', class: 'select', 'aria-label': 'Select this alert' })),
      el('td', {},
        el('span', { class: `badge p-${alert.priority}`, text: alert.priority }),
        el('span', { class: 'state', text: STATE_NAMES[d.state] ?? asText(d.state) })),
      el('td', {},
        el('span', { class: rover ? 'rover' : 'rover ground', text: rover || 'ground' }),
        el('span', { class: 'source', text: asText(d.source) })),
      el('td', { class: 'title', text: asText(d.title) }),
      el('td', { class: 'message', title: asText(d.key) }, asText(d.message), this.metadata(d.metadata)),
      el('td', { class: 'num', text: asText(d.occurrences) }),
      el('td', { class: 'time' },
        el('span', { class: 'last', text: formatTime(seen, now) }), ' ', age,
        el('span', { class: 'first', text: `first ${formatTime(d.firstSeen, now)}` })),
      el('td', { class: 'action' }, this.action(d.action)),
      el('td', { class: 'acked' }, this.acknowledgement(d, now)),
      el('td', { class: 'commands' },
        unacked && this.canAck ? el('button', { type: 'button', class: 'ack', dataset: { command: 'ack' }, text: 'Ack' }) : null,
        this.canShelve ? el('button', { type: 'button', class: 'shelve', dataset: { command: 'shelve' }, text: 'Shelve' }) : null,
        this.canClear ? el('button', { type: 'button', class: 'clear', dataset: { command: 'clear' }, text: 'Clear' }) : null));
    return { row, rev: alert.rev, age, seen };
  }

  metadata(metadata) {
    if (!metadata || typeof metadata !== 'object') return null;
    const entries = Object.entries(metadata);
    if (!entries.length) return null;
    return el('span', { class: 'meta', text: entries.map(([k, v]) => `${k}=${asText(v)}`).join('  ') });
  }

  action(action) {
    if (!action || typeof action !== 'object') return null;
    return el('span', { class: 'action-label', title: asText(action.actionType), text: asText(action.label) });
  }

  acknowledgement(d, now) {
    if (typeof d.acknowledgedBy !== 'string') return null;
    const parts = [el('span', { class: 'by', text: d.acknowledgedBy }), ' ',
      el('span', { class: 'when', text: formatTime(d.acknowledgedAt, now) })];
    if (typeof d.ackComment === 'string' && d.ackComment) parts.push(el('span', { class: 'comment', text: d.ackComment }));
    return el('span', {}, ...parts);
  }
}
