// The side panels, from get_stats polled every few seconds: each rover's link
// state and the losses its heartbeats report, and a few relay figures (ingest
// rate, clients, delivery latency, alerts per priority). Rates and latency
// come from the difference between two polls: what is happening now, not
// since the relay started.
import { el, asText } from './dom.js';
import { PRIORITIES } from './alert_state.js';

function sumEvents(rovers) {
  let total = 0;
  for (const rover of Object.values(rovers)) if (Number.isFinite(rover?.eventsApplied)) total += rover.eventsApplied;
  return total;
}

// The bound below which `fraction` of the observations fall, between two
// cumulative histograms; null without observations.
export function quantile(histogram, previous, fraction) {
  if (!histogram || !Array.isArray(histogram.buckets)) return null;
  const before = new Map((previous?.buckets ?? []).map((b) => [b.le, b.count]));
  const total = histogram.count - (previous?.count ?? 0);
  if (!(total > 0)) return null;
  for (const bucket of histogram.buckets) {
    if (bucket.count - (before.get(bucket.le) ?? 0) >= fraction * total) return bucket.le;
  }
  return Infinity;
}

function formatMicros(us) {
  if (us === null) return '—';
  if (us === Infinity) return 'over the last bucket';
  return us >= 1000 ? `≤ ${us / 1000} ms` : `≤ ${us} µs`;
}

// ISA-18.2's figures from get_stats' `alarms`: the priority shares over the
// KPI window against the 5 / 15 / 80 % targets, standing and chattering
// alarms, the most frequent one, and what is shelved or out of service.
function alarmKpis(alarms) {
  const share = alarms.priorityShare ?? {};
  const percent = (x) => `${Math.round(100 * (Number(x) || 0))} %`;
  const rest = (Number(share.medium) || 0) + (Number(share.low) || 0);
  const hours = Number.isFinite(alarms.kpiWindowMs) ? Math.max(1, Math.round(alarms.kpiWindowMs / 3600000)) : 24;
  const top = Array.isArray(alarms.topKeys) && alarms.topKeys[0] ? alarms.topKeys[0] : null;
  return [
    [`Priorities (${hours} h)`, `${percent(share.critical)} / ${percent(share.high)} / ${percent(rest)} (target 5 / 15 / 80)`],
    ['Standing', asText(alarms.standing?.count ?? 0)],
    ['Chattering', asText(Array.isArray(alarms.chattering) ? alarms.chattering.length : 0)],
    ['Most frequent', top ? `${top.rover ? `${asText(top.rover)}/` : ''}${asText(top.key)} ×${asText(top.count)}` : '—'],
    ['Shelved · out of service', `${asText(alarms.shelved ?? 0)} · ${asText(alarms.outOfService ?? 0)}`],
  ];
}

export class StatsPanel {
  constructor(roverList, statsList) {
    this.roverList = roverList;
    this.statsList = statsList;
    this.previous = null;
    this.previousAt = 0;
  }

  render(stats, now = performance.now()) {
    if (!stats || typeof stats !== 'object') return;
    const rovers = stats.rovers && typeof stats.rovers === 'object' ? stats.rovers : {};
    this.renderRovers(rovers);

    const seconds = this.previous ? (now - this.previousAt) / 1000 : 0;
    const events = sumEvents(rovers);
    const rate = seconds > 0 ? Math.max(0, events - sumEvents(this.previous.rovers ?? {})) / seconds : null;
    const latency = stats.delivery?.publishToWriteUs;
    const latencyBefore = this.previous?.delivery?.publishToWriteUs;
    const byPriority = stats.alerts_by_priority ?? {};
    const alarms = stats.alarms && typeof stats.alarms === 'object' ? stats.alarms : null;
    const windowMin = alarms && Number.isFinite(alarms.windowMs) ? Math.max(1, Math.round(alarms.windowMs / 60000)) : 10;
    const rows = [
      ['Ingest', rate === null ? '—' : `${rate.toFixed(1)} alerts/s`],
      ['Clients', asText(stats.subscribed_clients)],
      ['Delivery p50', formatMicros(quantile(latency, latencyBefore, 0.5))],
      ['Delivery p95', formatMicros(quantile(latency, latencyBefore, 0.95))],
      ['Active alerts', asText(stats.active_alerts)],
      ['Alarm rate', alarms ? `${asText(alarms.rate)} / ${windowMin} min${alarms.flood?.active === true ? ' · flood' : ''}` : '—'],
    ];
    if (alarms) rows.push(...alarmKpis(alarms));
    const items = rows.flatMap(([name, value]) => [el('dt', { text: name }), el('dd', { text: value })]);
    items.push(el('dt', { text: 'By priority' }),
      el('dd', { class: 'by-priority' }, ...PRIORITIES.map((p) =>
        el('span', { class: `badge p-${p}`, title: p, text: `${p[0].toUpperCase()} ${asText(byPriority[p] ?? 0)}` }))));
    this.statsList.replaceChildren(...items);
    this.previous = stats;
    this.previousAt = now;
  }

  renderRovers(rovers) {
    const ids = Object.keys(rovers).sort();
    if (!ids.length) {
      this.roverList.replaceChildren(el('li', { class: 'muted', text: 'No rover has connected.' }));
      return;
    }
    this.roverList.replaceChildren(...ids.map((id) => {
      const rover = rovers[id] ?? {};
      const connected = rover.connected === true;
      const lost = rover.lostByPriority && typeof rover.lostByPriority === 'object' ? rover.lostByPriority : {};
      const lostParts = PRIORITIES.filter((p) => Number(lost[p]) > 0).map((p) => `${p} ${lost[p]}`);
      return el('li', { class: connected ? 'rover-up' : 'rover-down', dataset: { rover: id } },
        el('span', { class: 'dot', 'aria-hidden': 'true' }),
        el('span', { class: 'rover-id', text: id }),
        el('span', { class: 'link', text: connected ? 'linked' : 'no link' }),
        el('span', { class: lostParts.length ? 'lost' : 'lost none', text: lostParts.length ? `lost: ${lostParts.join(', ')}` : 'no loss' }));
    }));
  }
}
