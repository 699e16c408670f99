// The console's WebSocket to the relay that served it: auth, subscription,
// catch-up, requests with reqId, and reconnects with backoff and jitter that
// resync from the resume point (sinceRev) in the same epoch, or from scratch
// in a new one.

const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;

export class RequestError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code;
  }
}

// handlers: status(state, detail), welcome(welcome), changes(applied[], live),
// caughtUp(recovered, how) with how = first | resumed | reloaded, signedOut(message)
export class Connection {
  constructor(token, state, handlers) {
    this.token = token;
    this.state = state;
    this.handlers = handlers;
    this.socket = null;
    this.stopped = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.nextReqId = 1;
    this.pending = new Map();
    this.subscribedInEpoch = false;
    this.catchingUp = false;
    this.resuming = false;
    this.reloaded = false;
    this.recovered = 0;
    this.everConnected = false;
    this.authRefused = null;
  }

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    if (this.socket) this.socket.close(1000, 'signed out');
    this.socket = null;
    this.failPending('signed out');
  }

  open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    this.socket = socket;
    this.authRefused = null;
    this.handlers.status(this.everConnected ? 'reconnecting' : 'connecting', 'opening');
    socket.addEventListener('open', () => this.send({ type: 'auth', token: this.token }));
    socket.addEventListener('message', (event) => {
      if (socket !== this.socket || typeof event.data !== 'string') return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;  // not JSON: nothing the console can use
      }
      if (message && typeof message === 'object') this.onMessage(message);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.socket) return;
      this.socket = null;
      this.failPending('connection closed');
      if (this.stopped) return;
      if (this.authRefused) {
        this.stopped = true;
        this.handlers.signedOut(this.authRefused);
        return;
      }
      this.scheduleReconnect(event.code === 4000 ? 0 : undefined);
    });
  }

  // Full jitter: a fleet of consoles does not come back in step after a relay restart.
  scheduleReconnect(delayMs) {
    clearTimeout(this.retryTimer);
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.min(this.attempt, 10));
    const delay = delayMs ?? Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    ++this.attempt;
    this.handlers.status('reconnecting', `retry in ${Math.ceil(delay / 1000)} s`);
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  send(message) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  // Sends a request; resolves with its result, rejects with a RequestError.
  request(message) {
    const reqId = `r${this.nextReqId++}`;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...message, reqId })) {
        reject(new RequestError('DISCONNECTED', 'not connected'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new RequestError('TIMEOUT', 'no answer from the relay'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(reqId, { resolve, reject, timer });
    });
  }

  failPending(reason) {
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new RequestError('DISCONNECTED', reason));
    }
    this.pending.clear();
  }

  onMessage(message) {
    switch (message.type) {
      case 'welcome': return this.onWelcome(message);
      case 'response': return this.onResponse(message);
      case 'alert': return this.applyChanges([message.data], false);
      case 'alert_batch': return this.applyChanges(Array.isArray(message.data) ? message.data : [], true);
      case 'catch_up_complete': return this.onCaughtUp(message);
      case 'resync_required': return this.onResyncRequired(message);
      case 'error': return this.onError(message.error);
      case 'alarm_flood': return this.handlers.flood?.(message);
      case 'alert_escalation': return this.handlers.escalation?.(message);
      case 'shelve_expiring': return this.handlers.shelveExpiring?.(message);
      case 'suppressions': return this.handlers.suppressions?.(message);
      default: return undefined;  // alert_ack notices: the change itself comes as an alert
    }
  }

  onWelcome(welcome) {
    const epoch = typeof welcome.epoch === 'string' ? welcome.epoch : '';
    if (this.state.epoch !== epoch) {
      // Another history: what is held means nothing in it.
      if (this.state.epoch !== null) {
        this.state.reset();
        this.reloaded = true;
      }
      this.state.epoch = epoch;
      this.subscribedInEpoch = false;
    }
    this.handlers.welcome(welcome);
    const subscribe = { type: 'alert_subscribe' };
    this.resuming = this.subscribedInEpoch;
    if (this.resuming) subscribe.sinceRev = this.state.resumeRev;
    this.catchingUp = true;
    this.recovered = 0;
    this.request(subscribe).then((result) => {
      this.subscribedInEpoch = true;
      if (result && result.reset === true) {
        this.state.reset();
        this.reloaded = true;
        this.handlers.changes([], true);
      }
    }, () => {});  // a lost connection retries by itself
  }

  onResponse(message) {
    const waiting = this.pending.get(message.reqId);
    if (!waiting) return;
    this.pending.delete(message.reqId);
    clearTimeout(waiting.timer);
    if (message.ok === true) waiting.resolve(message.result);
    else {
      const error = message.error || {};
      waiting.reject(new RequestError(error.code || 'INTERNAL', error.message));
    }
  }

  onError(error) {
    if (!error || typeof error !== 'object') return;
    if (error.code === 'UNAUTHENTICATED') this.authRefused = error.message || 'token refused';
  }

  // Batches and pages come in rev order and move the resume point; a critical
  // alert may overtake queued batches, so it does not.
  applyChanges(changes, ordered) {
    const applied = [];
    for (const change of changes) {
      const result = this.state.apply(change);
      if (result !== undefined) applied.push({ change, alert: result });
      if (ordered && change && Number.isSafeInteger(change.rev)) this.state.advance(change.rev);
    }
    if (this.catchingUp) this.recovered += applied.length;
    if (applied.length) this.handlers.changes(applied, !this.catchingUp);
  }

  onCaughtUp(message) {
    this.state.advance(message.rev);
    this.catchingUp = false;
    this.attempt = 0;
    let how = 'first';
    if (this.reloaded && this.everConnected) how = 'reloaded';
    else if (this.resuming) how = 'resumed';
    this.everConnected = true;
    this.reloaded = false;
    this.handlers.caughtUp(this.recovered, how);
  }

  // Low-priority changes were dropped for this console: resubscribe from
  // what it holds, at once.
  onResyncRequired(message) {
    if (Number.isSafeInteger(message.rev) && message.rev < this.state.resumeRev) this.state.resumeRev = message.rev;
    if (this.socket) this.socket.close(4000, 'resync');
  }
}
