// The Shelved view: alerts shelved or out of service (kept by the relay and
// counted, not announced), each with who, why, scope and, for a shelf, a
// countdown to its end; key shelves that hold no alert now and the
// out-of-service rules come from the relay's `suppressions` list. Unshelve
// and return-to-service buttons as the relay allows (welcome's `may`).
import { el, asText, formatTime } from './dom.js';
import { suppressed } from './alert_state.js';

const pad = (n) => String(n).padStart(2, '0');

export function formatLeft(ms) {
  if (!Number.isFinite(ms)) return '';
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)} left`;
  return `${Math.floor(s / 60)}:${pad(s % 60)} left`;
}

// handlers: unshelve({alertId} | {key, rover}), returnToService(scope, value)
export class SuppressionPanel {
  constructor(list, count, handlers) {
    this.list = list;
    this.count = count;
    this.handlers = handlers;
    this.keyShelves = [];
    this.outOfService = [];
    this.canUnshelve = false;
    this.canReturn = false;
    this.countdowns = [];  // [{node, until}]
    list.addEventListener('click', (event) => {
      const button = event.target.closest('button[data-command]');
      if (!button) return;
      const d = button.dataset;
      if (d.command === 'unshelve') {
        // A key shelf of a ground alert has no rover: none is sent.
        const target = d.alertId ? { alertId: d.alertId } : { key: d.key };
        if (!d.alertId && d.rover) target.rover = d.rover;
        this.handlers.unshelve(target);
      }
      else if (d.command === 'return') this.handlers.returnToService(d.scope, d.value);
    });
  }

  setAllowed({ unshelve, returnToService }) {
    this.canUnshelve = unshelve;
    this.canReturn = returnToService;
  }

  // The relay's `suppressions` list (or suppression_list's result).
  setRules(message) {
    this.keyShelves = Array.isArray(message?.keyShelves) ? message.keyShelves : [];
    this.outOfService = Array.isArray(message?.outOfService) ? message.outOfService : [];
  }

  render(alerts, now = Date.now()) {
    const items = [];
    this.countdowns = [];
    const held = new Set();
    for (const alert of alerts.values()) {
      if (!suppressed(alert)) continue;
      const d = alert.data;
      if (d.shelved && typeof d.shelved === 'object') held.add(`${asText(d.rover)}\u0000${asText(d.key)}`);
      items.push(this.item(alert.priority, asText(d.title) || asText(d.message), asText(d.rover), d.shelved,
                           d.outOfService, { alertId: alert.id }, now));
    }
    for (const k of this.keyShelves) {
      if (!k || typeof k !== 'object' || held.has(`${asText(k.rover)}\u0000${asText(k.key)}`)) continue;
      items.push(this.item('', `key ${asText(k.key)}`, asText(k.rover), k.shelved, null,
                           { key: asText(k.key), rover: asText(k.rover) }, now));
    }
    for (const rule of this.outOfService) {
      if (!rule || typeof rule !== 'object') continue;
      items.push(el('li', { class: 'rule' },
        el('span', { class: 'what', text: `${asText(rule.scope)} ${asText(rule.value)} out of service` }),
        el('span', { class: 'why', text: `${asText(rule.by)}: ${asText(rule.reason)} · since ${formatTime(rule.at, now)}` }),
        this.canReturn ? el('button', { type: 'button', dataset: { command: 'return', scope: asText(rule.scope),
                                                                   value: asText(rule.value) }, text: 'Return to service' }) : null));
    }
    this.list.replaceChildren(...items);
    this.count.textContent = String(items.length);
  }

  item(priority, what, rover, shelf, outOfService, target, now) {
    const parts = [];
    if (priority) parts.push(el('span', { class: `badge p-${priority}`, text: priority }));
    parts.push(el('span', { class: 'what', text: rover ? `${rover}: ${what}` : what }));
    if (shelf && typeof shelf === 'object') {
      const scope = shelf.scope === 'key' ? 'its key' : 'this alert';
      parts.push(el('span', { class: 'why', text: `shelved by ${asText(shelf.by)}: ${asText(shelf.reason)} · ${scope}` +
                                                  (shelf.oneShot === true ? ' · one-shot, until normal' : '') +
                                                  (Number.isFinite(shelf.at) ? ` · at ${formatTime(shelf.at, now)}` : '') }));
      const countdown = el('span', { class: 'countdown', text: formatLeft(Number(shelf.until) - now) });
      this.countdowns.push({ node: countdown, until: Number(shelf.until) });
      parts.push(countdown);
      if (this.canUnshelve) {
        const data = { command: 'unshelve' };
        if (target.alertId) data.alertId = target.alertId;
        else Object.assign(data, target);
        parts.push(el('button', { type: 'button', dataset: data, text: 'Unshelve' }));
      }
    }
    if (outOfService && typeof outOfService === 'object') {
      parts.push(el('span', { class: 'why', text: `out of service (${asText(outOfService.scope)} ` +
                                                  `${asText(outOfService.value)}) by ${asText(outOfService.by)}: ${asText(outOfService.reason)}` +
                                                  (Number.isFinite(outOfService.at) ? ` · since ${formatTime(outOfService.at, now)}` : '') }));
    }
    return el('li', { class: 'suppressed', dataset: target.alertId ? { id: target.alertId } : {} }, ...parts);
  }

  tick(now = Date.now()) {
    for (const { node, until } of this.countdowns) node.textContent = formatLeft(until - now);
  }
}
