// Operations: start one (from a premise or a script's text, with render options and
// auto_approve), and the user's operations with their status (GET /api/operations).
import { html, useState } from "../html.js";
import { newIdempotencyKey, write } from "../api.js";
import { usePolled } from "../live.js";
import { SCRIPT_FILE_TYPES, VIDEO_DEFAULTS } from "../options.js";
import { ErrorNote, Field, PageTitle, Status, described, useAction, when } from "../ui.js";
import { VideoOptionsFields } from "./video-options.js";
import { readTextFile } from "./new-script.js";
import { ProviderWarning } from "./provider-status.js";

const LISTED = 50;
const unfinished = (page) => page.items.some((op) => op.status === "running" || op.status === "paused");

export function OperationsPage() {
  const listed = usePolled(`/api/operations?limit=${LISTED}`, 3000, unfinished);
  const operations = listed.data ? listed.data.items : [];
  return html`<section>
    <${PageTitle}>Operations<//>
    <${ProviderWarning} />
    <p>An operation runs the whole chain, from a premise or your script to a finished video. With
      automatic approval off it pauses at every gate (script, scenes, images) until you approve in the studio.</p>
    <${StartOperation} />
    <section class="panel" aria-labelledby="started-title">
      <h2 id="started-title">Your operations</h2>
      <${ErrorNote} error=${listed.error} context="Could not list your operations" />
      ${operations.length ? html`<ul class="cards">${operations.map((op) => html`<${OperationRow} key=${op.id} op=${op} />`)}</ul>`
        : listed.data ? html`<p>None yet.</p>` : html`<p>Loading…</p>`}
      ${listed.data && listed.data.total > LISTED ? html`<p class="small">The newest ${LISTED} of ${listed.data.total}.</p>` : null}
    </section>
  </section>`;
}

function OperationRow({ op }) {
  const label = op.title || (op.input === "premise" ? "From a premise" : "From a script");
  return html`<li class="card">
    <h3><a href=${`#/operations/${op.id}`}>${label}</a></h3>
    <div class="meta"><${Status} value=${op.status} /> at ${op.stage}${op.waiting_for ? ` · waiting for ${op.waiting_for}` : ""}
      <span class="small"> · started ${when(op.created_at)}</span></div>
  </li>`;
}

function StartOperation() {
  const [source, setSource] = useState("premise");
  const [premise, setPremise] = useState("");
  const [content, setContent] = useState("");
  const [title, setTitle] = useState("");
  const [scenes, setScenes] = useState("");
  const [autoApprove, setAutoApprove] = useState(true);
  const [options, setOptions] = useState({ ...VIDEO_DEFAULTS });
  const [key, setKey] = useState(newIdempotencyKey());
  const fresh = (setter) => (value) => { setter(value); setKey(newIdempotencyKey()); };
  const [start, busy, error] = useAction(async () => {
    const body = { title, options, auto_approve: autoApprove,
      ...(source === "premise" ? { premise, target_scenes: scenes ? Number(scenes) : null } : { content }) };
    const accepted = await write("POST", "/api/operations", body, { idempotencyKey: key });
    location.hash = `#/operations/${accepted.id}`;
  });
  const [openFile, , fileError] = useAction(async (file) => fresh(setContent)(await readTextFile(file)));
  return html`<form class="panel" aria-labelledby="start-title" onSubmit=${(event) => { event.preventDefault(); start(); }} novalidate>
    <h2 id="start-title">Start an operation</h2>
    <fieldset class="choices"><legend>Start from</legend>
      <label><input type="radio" name="op-source" checked=${source === "premise"} onChange=${() => fresh(setSource)("premise")} /> A premise</label>
      <label><input type="radio" name="op-source" checked=${source === "content"} onChange=${() => fresh(setSource)("content")} /> My script</label>
    </fieldset>
    <${Field} label="Title (optional)" name="title" id="op-title" error=${error}>
      <input type="text" maxlength="200" value=${title} onInput=${(e) => fresh(setTitle)(e.target.value)} ...${described("title", error, null, "op-title")} />
    <//>
    ${source === "premise" ? html`
      <${Field} label="Premise" name="premise" id="op-premise" error=${error}>
        <textarea rows="3" value=${premise} onInput=${(e) => fresh(setPremise)(e.target.value)} ...${described("premise", error, null, "op-premise")}></textarea>
      <//>
      <${Field} label="Number of scenes (optional)" name="target_scenes" id="op-scenes" error=${error}>
        <input type="number" min="1" max="100" value=${scenes} onInput=${(e) => fresh(setScenes)(e.target.value)} ...${described("target_scenes", error, null, "op-scenes")} />
      <//>` : html`
      <${Field} label="Open a file (.fountain, .txt or .md)" name="file" id="op-file" error=${fileError}>
        <input type="file" accept=${SCRIPT_FILE_TYPES} onChange=${(e) => e.target.files[0] && openFile(e.target.files[0])} ...${described("file", fileError, null, "op-file")} />
      <//>
      <${ErrorNote} error=${fileError} />
      <${Field} label="Script" name="content" id="op-content" error=${error}>
        <textarea rows="10" class="script-text" value=${content} onInput=${(e) => fresh(setContent)(e.target.value)} ...${described("content", error, null, "op-content")}></textarea>
      <//>`}
    <${VideoOptionsFields} options=${options} set=${(name, value) => fresh(setOptions)({ ...options, [name]: value })} error=${error} />
    <label class="check"><input type="checkbox" checked=${autoApprove} onChange=${(e) => fresh(setAutoApprove)(e.target.checked)} />
      Approve automatically (off: pause at every gate for me)</label>
    <${ErrorNote} error=${error} context="Could not start the operation" />
    <button type="submit" disabled=${busy}>${busy ? "Starting…" : "Start the operation"}</button>
  </form>`;
}
