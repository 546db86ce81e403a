// Your scripts, newest first, a page at a time, with status and progress at a glance.
// The list has no ETag to wait on: it is read again every few seconds while shown.
import { html, useState } from "../html.js";
import { usePolled } from "../live.js";
import { ErrorNote, PageTitle, Status, when } from "../ui.js";

const PAGE_SIZE = 20;
const REFRESH_MS = 4000;

function ScriptProgress({ script }) {
  if (script.status === "draft") return html`<span>draft: edit, then approve</span>`;
  const seg = script.segmentation;
  if (seg.state === "pending") return html`<span>cutting into scenes…</span>`;
  if (seg.state === "failed") return html`<span class="bad">segmentation failed: ${seg.error || seg.code}</span>`;
  return html`<span>${script.approved_scene_count} of ${script.scene_count} scenes approved</span>`;
}

export function ScriptsPage() {
  const [offset, setOffset] = useState(0);
  const { data, error } = usePolled(`/api/scripts?limit=${PAGE_SIZE}&offset=${offset}`, REFRESH_MS);
  const total = data ? data.total : 0;
  return html`<section>
    <div class="title-row">
      <${PageTitle}>Your scripts<//>
      <a class="button" href="#/new">New script</a>
    </div>
    <${ErrorNote} error=${error} context="Could not load your scripts" />
    ${!data ? html`<p aria-live="polite">Loading…</p>`
      : !data.items.length ? html`<p>No scripts yet. <a href="#/new">Write or generate your first one</a>, or
          <a href="#/operations">run the whole chain from a premise</a>.</p>`
      : html`<ul class="cards" aria-label="Scripts">
          ${data.items.map((script) => html`<li class="card" key=${script.id}>
            <h2><a href=${`#/scripts/${script.id}`}>${script.title || "Untitled script"}</a></h2>
            <div class="meta"><${Status} value=${script.status} /> <${ScriptProgress} script=${script} /></div>
            <div class="meta small">${script.origin === "ai" ? "written by AI · " : ""}${script.aspect} · created ${when(script.created_at)}</div>
          </li>`)}
        </ul>`}
    ${total > PAGE_SIZE ? html`<nav class="pager" aria-label="Pages of scripts">
      <button type="button" disabled=${offset === 0} onClick=${() => setOffset(Math.max(0, offset - PAGE_SIZE))}>Newer</button>
      <span>${offset + 1}–${Math.min(offset + PAGE_SIZE, total)} of ${total}</span>
      <button type="button" disabled=${offset + PAGE_SIZE >= total} onClick=${() => setOffset(offset + PAGE_SIZE)}>Older</button>
    </nav>` : null}
  </section>`;
}
