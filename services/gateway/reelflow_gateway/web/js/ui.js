// Small pieces every page uses: page titles that take focus, error notes, labelled fields,
// status badges, progress bars and the busy/error state of a button's action.
import { html, useEffect, useRef, useState } from "./html.js";

let nextId = 0;
export const uid = (prefix) => `${prefix}-${++nextId}`;

// The page's heading; focused when the page opens so a screen reader announces it.
export function PageTitle({ children }) {
  const ref = useRef(null);
  useEffect(() => { if (ref.current) ref.current.focus(); }, []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>`;
}

// An API error in words, where it happened (role=alert so it is announced).
export function ErrorNote({ error, context }) {
  if (!error) return null;
  const fields = Object.entries(error.fields || {}).filter(([name]) => name === "_");
  return html`<div class="error" role="alert">
    ${context ? html`<strong>${context}: </strong>` : null}${error.message}
    ${fields.map(([, msg]) => html`<div>${msg}</div>`)}
  </div>`;
}

// A labelled control with its field error (from a 422's `errors`) under it.
export function Field({ label, name, error, hint, children, id = name }) {
  const message = error && error.fields && error.fields[name];
  return html`<div class=${"field" + (message ? " invalid" : "")}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint ? html`<div class="hint" id=${`${id}-hint`}>${hint}</div>` : null}
    ${message ? html`<div class="field-error" id=${`${id}-error`} role="alert">${label}: ${message}</div>` : null}
  </div>`;
}

// aria attributes for the control inside a Field.
export function described(name, error, hint, id = name) {
  const message = error && error.fields && error.fields[name];
  const ids = [hint ? `${id}-hint` : null, message ? `${id}-error` : null].filter(Boolean).join(" ");
  return { id, name, "aria-invalid": message ? "true" : undefined, "aria-describedby": ids || undefined };
}

const STATUS_WORDS = {
  draft: "draft", pending: "pending", approved: "approved", rejected: "rejected", failed: "failed",
  running: "running", paused: "paused", completed: "completed", cancelled: "cancelled",
  none: "not started", planning: "planning", planned: "planned", done: "done",
};

export function Status({ value, label }) {
  return html`<span class=${`status status-${value}`}>${label ? `${label}: ` : ""}${STATUS_WORDS[value] || value}</span>`;
}

// A wide table that scrolls sideways on a narrow screen; focusable, so the keyboard can scroll it too.
export function Scrolling({ label, children }) {
  return html`<div class="scrolling" role="region" aria-label=${label} tabindex="0">${children}</div>`;
}

export function Progress({ label, done, total }) {
  return html`<div class="progress">
    <span>${label}</span>
    <progress max=${total || 1} value=${total ? done : 0} aria-label=${label}>${done}/${total}</progress>
    <span class="count">${done} / ${total || "?"}</span>
  </div>`;
}

// [run, busy, error, clearError]: `run(...)` calls `action`, keeping its error for display.
export function useAction(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const run = async (...args) => {
    setBusy(true);
    setError(null);
    try {
      return await action(...args);
    } catch (caught) {
      if (caught.name !== "AbortError") setError(caught);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return [run, busy, error, () => setError(null)];
}

export const seconds = (value) => (value == null ? "?" : `${Number(value).toFixed(1)} s`);
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");
export const money = (amount, currency) => `${Number(amount || 0).toFixed(4)} ${currency || ""}`.trim();
