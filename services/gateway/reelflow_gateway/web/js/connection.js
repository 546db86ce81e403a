// Whether the gateway answers. A failed fetch marks the connection lost and probes /healthz
// until the gateway answers again; then every view that watches `onReconnect` reloads.
const PROBE_MS = 2000;
const listeners = new Set();
let lost = false;
let probe = null;

export const isConnectionLost = () => lost;

export function connectionLost() {
  if (lost) return;
  lost = true;
  emit();
  probe = setInterval(async () => {
    try {
      await fetch("/healthz", { cache: "no-store" });
      connectionBack();
    } catch { /* still away: the next probe tries again */ }
  }, PROBE_MS);
}

export function connectionBack() {
  if (!lost) return;
  lost = false;
  clearInterval(probe);
  emit();
}

export function onConnectionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit() {
  for (const listener of listeners) listener(lost);
}
