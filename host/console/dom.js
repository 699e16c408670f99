// The only way the console puts anything on the page: elements made with
// createElement and text set with textContent (Node.append of a string makes
// a text node). Alert fields come from rovers and users: they never become
// markup, so nothing in them can run or style anything.

// el('td', {class: 'x', title: t}, child, 'text', …)
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = value;
    else if (name === 'text') node.textContent = value;
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== undefined && child !== null && child !== false) node.append(child);
  }
  return node;
}

export const byId = (id) => document.getElementById(id);

// A field as text: strings as they are, numbers and booleans printed, anything else empty.
export function asText(value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '';
}

const pad = (n) => String(n).padStart(2, '0');

// Local wall-clock time: HH:MM:SS today, with the date otherwise.
export function formatTime(ms, now = Date.now()) {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  const d = new Date(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (new Date(now).toDateString() === d.toDateString()) return time;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
}

// How long ago: 42s, 5m 03s, 2h 10m, 3d 4h.
export function formatAge(ms, now = Date.now()) {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  const s = Math.max(0, Math.floor((now - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}
