// The operations started from this browser, per user: the API reads one operation by id but
// has no list of them, so their ids are remembered here (newest first, at most 50).
import { session } from "./session.js";

const MAX_KEPT = 50;
const key = () => `reelflow.operations.${session.email}`;

export function rememberedOperations() {
  try { return JSON.parse(localStorage.getItem(key())) || []; } catch { return []; }
}

export function rememberOperation(id, label) {
  const kept = rememberedOperations().filter((entry) => entry.id !== id);
  kept.unshift({ id, label, started_at: new Date().toISOString() });
  localStorage.setItem(key(), JSON.stringify(kept.slice(0, MAX_KEPT)));
}
