// Sound, made with WebAudio oscillators (no audio files): a two-tone alarm
// every 2 s while any critical alert is unacknowledged, one chime for each new
// high alert, and a per-console mute that runs out by itself. Browsers allow
// audio only after a user gesture: unlock() is called from one (sign-in, any
// click or key). The state is on <html> for tests and styling:
// data-alarm = critical | muted | off, data-chimes = chimes played,
// data-escalations = escalation alarms played (an alert left unacknowledged
// past its policy sounds again, whatever its priority).

const ALARM_PERIOD_MS = 2000;
export const MUTE_MS = 5 * 60 * 1000;

export class Alarm {
  constructor(root = document.documentElement) {
    this.root = root;
    this.context = null;
    this.critical = false;
    this.mutedUntil = 0;
    this.chimes = 0;
    this.escalations = 0;
    this.alarmTimer = null;
    this.muteTimer = null;
    this.listeners = [];
    this.publish();
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  unlock() {
    try {
      if (!this.context) this.context = new AudioContext();
      if (this.context.state === 'suspended') this.context.resume().catch(() => {});
    } catch {
      this.context = null;  // no audio on this machine: the state is still shown
    }
  }

  get muted() {
    return this.mutedUntil > Date.now();
  }

  get state() {
    if (this.muted) return 'muted';
    return this.critical ? 'critical' : 'off';
  }

  // Milliseconds left on the mute; 0 when not muted.
  get muteLeft() {
    return Math.max(0, this.mutedUntil - Date.now());
  }

  setCritical(critical) {
    if (critical === this.critical) return;
    this.critical = critical;
    this.update();
  }

  mute(ms = MUTE_MS) {
    this.mutedUntil = Date.now() + ms;
    clearInterval(this.muteTimer);
    // Ticks once a second: the countdown stays visible, and the mute ends on time.
    this.muteTimer = setInterval(() => {
      if (!this.muted) this.unmute();
      else this.publish();
    }, 1000);
    this.update();
  }

  unmute() {
    this.mutedUntil = 0;
    clearInterval(this.muteTimer);
    this.muteTimer = null;
    this.update();
  }

  toggleMute() {
    if (this.muted) this.unmute();
    else this.mute();
  }

  // A new high alert: one chime, unless muted.
  chime() {
    if (this.muted) return;
    ++this.chimes;
    this.tone(880, 0, 0.18);
    this.tone(1320, 0.2, 0.25);
    this.publish();
  }

  // An escalation: the alarm once, unless muted.
  escalate() {
    if (this.muted) return;
    ++this.escalations;
    this.alarmSound();
    this.publish();
  }

  update() {
    const sounding = this.state === 'critical';
    if (sounding && !this.alarmTimer) {
      this.alarmSound();
      this.alarmTimer = setInterval(() => this.alarmSound(), ALARM_PERIOD_MS);
    } else if (!sounding && this.alarmTimer) {
      clearInterval(this.alarmTimer);
      this.alarmTimer = null;
    }
    this.publish();
  }

  publish() {
    this.root.dataset.alarm = this.state;
    this.root.dataset.chimes = String(this.chimes);
    this.root.dataset.escalations = String(this.escalations);
    for (const listener of this.listeners) listener(this);
  }

  alarmSound() {
    for (let i = 0; i < 3; ++i) {
      this.tone(960, i * 0.3, 0.14, 'square');
      this.tone(720, i * 0.3 + 0.15, 0.14, 'square');
    }
  }

  // One short tone `delay` seconds from now, with a quick fade so it does not click.
  tone(frequency, delay, duration, type = 'sine') {
    const context = this.context;
    if (!context || context.state !== 'running') return;
    const start = context.currentTime + delay;
    const oscillator = new OscillatorNode(context, { type, frequency });
    const gain = new GainNode(context, { gain: 0 });
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.2, start + 0.01);
    gain.gain.linearRampToValueAtTime(0, start + duration);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + duration + 0.02);
  }
}
