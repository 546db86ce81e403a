// Keeping a view up to date without reloading:
// - useWatched: a list GET long-polled with its ETag (`If-None-Match` + `Prefer: wait=N`);
//   the gateway answers the moment the list changes, or 304 after the wait.
// - usePolled: a plain GET repeated every few seconds while `active` (for views without an ETag).
// - streamEvents: Server-Sent Events read with fetch (EventSource cannot send the bearer token).
import { useEffect, useRef, useState } from "preact/hooks";
import { request, ApiError } from "./api.js";
import { session } from "./session.js";
import { connectionLost, connectionBack } from "./connection.js";

const WAIT_S = 20;
const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
});

// Waits after an error: Retry-After for a 429, else 1 s, 2 s, 4 s, ... up to 10 s.
function backoff(error, failures) {
  if (error instanceof ApiError && error.retryAfter != null) return error.retryAfter * 1000;
  return Math.min(10000, 1000 * 2 ** Math.min(failures, 4));
}

// {data, error, patch}: `data` the latest body of `path` (null until the first answer);
// `patch(item)` puts a changed item (from a write's answer) into `data.items` at once.
export function useWatched(path) {
  const [state, setState] = useState({ data: null, error: null, path });
  const current = useRef(state);
  current.current = state;
  useEffect(() => {
    if (!path) return undefined;
    const control = new AbortController();
    setState({ data: null, error: null, path });
    (async () => {
      let etag = null;
      let failures = 0;
      while (!control.signal.aborted) {
        try {
          const headers = etag ? { "If-None-Match": etag, Prefer: `wait=${WAIT_S}` } : {};
          const answer = await request("GET", path, { headers, signal: control.signal });
          failures = 0;
          if (answer.status === 200) {
            etag = answer.headers.get("ETag");
            setState({ data: answer.data, error: null, path });
          }
        } catch (error) {
          if (control.signal.aborted || error.status === 401) return;
          failures += 1;
          setState((previous) => ({ ...previous, error }));
          await sleep(backoff(error, failures), control.signal);
        }
      }
    })();
    return () => control.abort();
  }, [path]);
  const patch = (item) => setState((previous) => {
    if (!previous.data || !previous.data.items) return previous;
    const items = previous.data.items.map((existing) => (existing.id === item.id ? item : existing));
    return { ...previous, data: { ...previous.data, items } };
  });
  return { data: state.path === path ? state.data : null, error: state.error, patch };
}

// {data, error, reload}: `path` read now and every `everyMs` while `active(data)` says so.
export function usePolled(path, everyMs, active = () => true) {
  const [state, setState] = useState({ data: null, error: null });
  const [round, setRound] = useState(0);
  const activeRef = useRef(active);
  activeRef.current = active;
  useEffect(() => {
    if (!path) return undefined;
    const control = new AbortController();
    (async () => {
      let failures = 0;
      while (!control.signal.aborted) {
        let wait = everyMs;
        try {
          const answer = await request("GET", path, { signal: control.signal });
          failures = 0;
          setState({ data: answer.data, error: null });
          if (!activeRef.current(answer.data)) return;
        } catch (error) {
          if (control.signal.aborted || error.status === 401) return;
          failures += 1;
          setState((previous) => ({ ...previous, error }));
          if (error.status === 404) return;
          wait = Math.max(everyMs, backoff(error, failures));
        }
        await sleep(wait, control.signal);
      }
    })();
    return () => control.abort();
  }, [path, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}

// Calls onEvent(name, data) for each event of the stream at `path` until it sends `end` or
// `signal` aborts; a dropped connection is reopened (the first event repeats the whole state).
export async function streamEvents(path, onEvent, signal) {
  let failures = 0;
  while (!signal.aborted) {
    try {
      const response = await fetch(path, {
        headers: { Authorization: `Bearer ${session.token}`, Accept: "text/event-stream" }, signal, cache: "no-store",
      });
      connectionBack();
      if (!response.ok) {
        let body = {};
        try { body = await response.json(); } catch { /* not JSON */ }
        const retry = response.headers.get("Retry-After");
        throw new ApiError(response.status, body, retry == null ? null : Number(retry));
      }
      failures = 0;
      if (await readEvents(response.body, onEvent)) return;
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) { session.expire(error.message); return; }
      if (error instanceof ApiError && error.status === 404) { onEvent("error", error); return; }
      if (!(error instanceof ApiError)) connectionLost();
      failures += 1;
      onEvent("error", error instanceof ApiError ? error : new ApiError(0, {}));
      await sleep(backoff(error, failures), signal);
    }
  }
}

// True once the stream sent `end`.
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return false;
    buffer += value;
    let boundary;
    while ((boundary = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (!data.length) continue;
      onEvent(name, JSON.parse(data.join("\n")));
      if (name === "end") return true;
    }
  }
}
