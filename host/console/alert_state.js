// The alerts this console holds, kept by the protocol's rules: a change is
// applied only when its rev is newer than the one held for that alert (so
// replays, catch-up pages and critical changes that overtake batches are all
// safe), and the resume point is the rev up to which every change has
// arrived — what a reconnect asks for with sinceRev.

export const PRIORITIES = ['critical', 'high', 'medium', 'low', 'info'];
const RANK = Object.fromEntries(PRIORITIES.map((p, i) => [p, i]));
const UNACKED_STATES = new Set(['active_unacked', 'rtn_unacked']);
// Revs of alerts that went away, so a late older change cannot bring one back.
const MAX_GONE = 20000;

export function needsAck(alert) {
  const state = alert.data.state;
  if (typeof state === 'string') return UNACKED_STATES.has(state);
  return alert.data.acknowledged !== true;
}

// Shelved by an operator or out of service: kept and counted, not announced
// (no row in the live table, no banner, no sound).
export function suppressed(alert) {
  const d = alert.data;
  return (d.shelved && typeof d.shelved === 'object') || (d.outOfService && typeof d.outOfService === 'object');
}

export class AlertState {
  constructor() {
    this.alerts = new Map();
    this.gone = new Map();
    this.epoch = null;
    this.resumeRev = 0;
  }

  // Everything held belongs to another history (new epoch, reset): forget it.
  reset() {
    this.alerts.clear();
    this.gone.clear();
    this.resumeRev = 0;
  }

  // Applies one AlertWebSocketMessage; returns the alert now held (null when
  // removed), or undefined when the change was stale or not usable.
  apply(change) {
    if (!change || typeof change !== 'object') return undefined;
    const { id, rev } = change;
    if (typeof id !== 'string' || !Number.isSafeInteger(rev)) return undefined;
    const held = this.alerts.get(id);
    const heldRev = held ? held.rev : (this.gone.get(id) ?? 0);
    if (rev <= heldRev) return undefined;
    if (change.type === 'remove' || change.type === 'clear') {
      this.alerts.delete(id);
      this.gone.set(id, rev);
      if (this.gone.size > MAX_GONE) this.gone.delete(this.gone.keys().next().value);
      return held ? null : undefined;
    }
    // Deltas are not asked for; one that came anyway cannot be applied blindly.
    if (change.delta === true) return undefined;
    const data = change.data && typeof change.data === 'object' ? change.data : {};
    const alert = {
      id,
      rev,
      priority: Object.hasOwn(RANK, change.priority) ? change.priority : 'info',
      timestamp: Number.isFinite(change.timestamp) ? change.timestamp : 0,
      data,
    };
    this.alerts.set(id, alert);
    this.gone.delete(id);
    return alert;
  }

  advance(rev) {
    if (Number.isSafeInteger(rev) && rev > this.resumeRev) this.resumeRev = rev;
  }

  // Unacknowledged first, then by priority, then the latest raise first.
  sorted(keep = () => true) {
    const list = [];
    for (const alert of this.alerts.values()) if (keep(alert)) list.push(alert);
    return list.sort(compareAlerts);
  }

  unackedCount(priority) {
    let n = 0;
    for (const alert of this.alerts.values()) {
      if (alert.priority === priority && needsAck(alert) && !suppressed(alert)) ++n;
    }
    return n;
  }
}

export function lastSeen(alert) {
  return Number.isFinite(alert.data.lastSeen) ? alert.data.lastSeen : alert.timestamp;
}

function compareAlerts(a, b) {
  const ackOrder = Number(needsAck(b)) - Number(needsAck(a));
  if (ackOrder) return ackOrder;
  const rank = RANK[a.priority] - RANK[b.priority];
  if (rank) return rank;
  const time = lastSeen(b) - lastSeen(a);
  if (time) return time;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
