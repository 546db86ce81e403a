// One operation, live from its event stream (SSE): status and stage, progress per stage and
// per scene, what a paused operation waits for (with a link to it), errors, the result, usage
// and cost; cancel.
import { html, useEffect, useState } from "../html.js";
import { write } from "../api.js";
import { streamEvents, usePolled } from "../live.js";
import { ErrorNote, PageTitle, Progress, Scrolling, Status, seconds, useAction } from "../ui.js";
import { UsageTable } from "./script-parts.js";
import { RenderProgress } from "./video.js";

const STAGES = ["script", "segmentation", "shot_planning", "image_generation", "render"];
const STAGE_WORDS = { script: "Script", segmentation: "Cutting into scenes", shot_planning: "Planning shots",
  image_generation: "Drawing images", render: "Rendering the video" };
const ENDED = ["completed", "cancelled", "failed"];

// What a paused operation waits for, in words, and where the writer does it.
function waitingFor(op) {
  const links = {
    script_approval: ["the script's approval", `#/scripts/${op.script_id}`, "Open the script"],
    scene_approval: ["your approval of the scenes", `#/scripts/${op.script_id}`, "Open the scene board"],
    image_approval: ["your review of the images", `#/scripts/${op.script_id}/review`, "Review the images"],
  };
  return links[op.waiting_for] || [op.waiting_for, `#/scripts/${op.script_id}`, "Open the script"];
}

function useOperation(operationId) {
  const [state, setState] = useState({ op: null, error: null, live: false });
  useEffect(() => {
    const control = new AbortController();
    streamEvents(`/api/operations/${operationId}/events`, (name, data) => {
      if (name === "progress") setState({ op: data, error: null, live: true });
      else if (name === "end") setState((s) => ({ ...s, live: false }));
      else if (name === "error") setState((s) => ({ ...s, error: data }));
    }, control.signal).then(() => setState((s) => ({ ...s, live: false })));
    return () => control.abort();
  }, [operationId]);
  return [state, (op) => setState((s) => ({ ...s, op }))];
}

// The video's own render progress, while the operation waits for it.
function VideoRenderLine({ videoId }) {
  const video = usePolled(`/api/videos/${videoId}`, 1000, (v) => v.status === "pending");
  return video.data && video.data.status === "pending" ? html`<${RenderProgress} video=${video.data} />` : null;
}

export function OperationPage({ params: [operationId] }) {
  const [{ op, error, live }, setOp] = useOperation(operationId);
  const [cancel, cancelling, cancelError] = useAction(async () => {
    setOp(await write("POST", `/api/operations/${operationId}/cancel`));
  });
  if (!op) {
    return html`<section><${PageTitle}>Operation<//><${ErrorNote} error=${error} context="Could not follow the operation" />
      ${error ? null : html`<p aria-live="polite">Connecting…</p>`}</section>`;
  }
  const p = op.progress;
  const shots = p.shots_total || p.shots_planned;
  const [what, href, linkText] = op.status === "paused" ? waitingFor(op) : [];
  return html`<section class="operation">
    <${PageTitle}>Operation ${op.id.slice(0, 8)}<//>
    <p class="meta" aria-live="polite"><span class="op-status"><${Status} value=${op.status} /></span>
      at stage <strong>${STAGE_WORDS[op.stage] || op.stage}</strong>${live ? " · live" : ""}
      · <a href=${`#/scripts/${op.script_id}`}>the script</a></p>
    <${ErrorNote} error=${error} context="The live stream was interrupted (reconnecting)" />
    ${op.status === "paused" ? html`<div class="notice" role="status">Paused: waiting for ${what}. <a href=${href}>${linkText}</a></div>` : null}
    ${op.errors.length ? html`<div class="error" role="alert"><strong>Errors</strong><ul>
      ${op.errors.map((e) => html`<li>${STAGE_WORDS[e.stage] || e.stage} (${e.code}): ${e.message}</li>`)}</ul></div>` : null}
    ${op.result ? html`<div class="notice success" role="status">The video is ready: ${seconds(op.result.duration_s)},
      ${op.result.width}×${op.result.height}. <a href=${`#/scripts/${op.script_id}/video`}>Watch and download it</a></div>` : null}
    <section class="panel" aria-labelledby="progress-title">
      <h2 id="progress-title">Progress</h2>
      <${Progress} label="Scenes approved" done=${p.scenes_approved} total=${p.scenes_segmented} />
      <${Progress} label="Shots planned" done=${p.shots_planned} total=${shots} />
      <${Progress} label="Images drawn" done=${p.images_generated} total=${shots} />
      <${Progress} label="Images approved" done=${p.images_approved} total=${shots} />
      <p>Render: <${Status} value=${p.render} />${p.images_failed ? html` · <span class="bad">${p.images_failed} image(s) failed</span>` : null}</p>
      ${p.render === "running" && op.video_id ? html`<${VideoRenderLine} videoId=${op.video_id} />` : null}
      <h3>Time per stage</h3>
      <ul class="inline">${STAGES.map((stage) => html`<li>${STAGE_WORDS[stage]}: ${seconds(op.stage_seconds[stage])}</li>`)}</ul>
    </section>
    ${op.scenes.length ? html`<section class="panel" aria-labelledby="scenes-title">
      <h2 id="scenes-title">Per scene</h2>
      <${Scrolling} label="Progress per scene"><table><thead><tr><th scope="col">Scene</th><th scope="col">Status</th><th scope="col">Shots planned</th>
        <th scope="col">Images drawn</th><th scope="col">Images approved</th></tr></thead>
      <tbody>${op.scenes.map((scene) => html`<tr key=${scene.scene_id}>
        <th scope="row">${scene.order}</th><td><${Status} value=${scene.status} /></td>
        <td>${scene.shots_planned} / ${scene.shot_count ?? "?"}</td><td>${scene.images_generated}</td><td>${scene.images_approved}</td>
      </tr>`)}</tbody></table><//>
    </section>` : null}
    <section class="panel" aria-labelledby="op-usage-title">
      <h2 id="op-usage-title">Usage and cost</h2>
      <${UsageTable} usage=${op.usage_by_model} cost=${op.cost} caption="AI used by this operation" />
    </section>
    <${ErrorNote} error=${cancelError} context="Could not cancel" />
    ${ENDED.includes(op.status) ? null : html`<button type="button" class="danger" onClick=${cancel} disabled=${cancelling}>
      ${cancelling ? "Cancelling…" : "Cancel the operation"}</button>`}
  </section>`;
}
