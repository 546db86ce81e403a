// The script's video: create it with the API's options, see which shots still lack an approved
// image (a 409's `missing_shots`, each a link to the shot), follow the render, play, download.
import { html, useEffect, useState } from "../html.js";
import { contentUrl, newIdempotencyKey, write } from "../api.js";
import { usePolled } from "../live.js";
import { VIDEO_DEFAULTS } from "../options.js";
import { ErrorNote, PageTitle, Status, seconds, useAction, when } from "../ui.js";
import { VideoOptionsFields } from "./video-options.js";
import { ScriptNav } from "./script-parts.js";

export function VideoPage({ params: [scriptId] }) {
  const script = usePolled(`/api/scripts/${scriptId}`, 0, () => false);
  const video = usePolled(`/api/scripts/${scriptId}/video`, 1000, (v) => v.status === "pending");
  const title = script.data ? script.data.title || "Untitled script" : "Script";
  const latest = video.data;
  return html`<section>
    <${PageTitle}>Video: ${title}<//>
    ${script.data ? html`<${ScriptNav} script=${script.data} current="video" />` : null}
    <${ErrorNote} error=${script.error} context="Could not load the script" />
    ${video.error && video.error.status !== 404 ? html`<${ErrorNote} error=${video.error} context="Could not load the video" />` : null}
    ${latest ? html`<${VideoResult} video=${latest} />` : null}
    <${CreateVideo} scriptId=${scriptId} aspect=${script.data && script.data.aspect} onCreated=${video.reload} />
  </section>`;
}

function VideoResult({ video }) {
  const [url, setUrl] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    if (video.status === "approved") contentUrl("videos", video.id).then(setUrl, setError);
  }, [video.id, video.status]);
  return html`<section class="panel" aria-labelledby="video-title">
    <h2 id="video-title">Latest video</h2>
    <p class="meta"><${Status} value=${video.status === "approved" ? "done" : video.status === "rejected" ? "failed" : "running"} label="render" />
      requested ${when(video.requested_at)}</p>
    ${video.status === "pending" ? html`<${RenderProgress} video=${video} />` : null}
    ${video.status === "rejected" ? html`<div class="error" role="alert"><strong>The render failed</strong> (${video.code}): ${video.error}.
      Change the options or the images and create the video again.</div>` : null}
    <${ErrorNote} error=${error} context="Could not open the video" />
    ${url ? html`
      <video controls preload="metadata" src=${url} class="player" aria-label="The rendered video"></video>
      <p class="meta">${seconds(video.duration_s)} · ${video.width}×${video.height} · ${video.fps} fps
        · ${(video.size_bytes / 1e6).toFixed(1)} MB${video.has_audio ? " · with narration" : ""}
        · rendered in ${seconds(video.render_s)}</p>
      <a class="button" href=${url} download=${`reelflow-${video.id.slice(0, 8)}.mp4`}>Download the MP4</a>` : null}
  </section>`;
}

const STEPS = {
  queued: "Waiting for a render worker",
  preparing: "Fetching the images and speaking the narration",
  encoding: "Encoding the shots",
  joining: "Joining the final MP4",
  storing: "Storing the video",
};

// The render's progress as the video service reports it (`progress` while pending).
export function RenderProgress({ video }) {
  const progress = video.progress || { step: "queued", fraction: 0, frames_done: 0, frames_total: 0, attempt: 1 };
  const percent = Math.round(progress.fraction * 100);
  const frames = progress.step === "encoding" && progress.frames_total
    ? ` (${progress.frames_done} of ${progress.frames_total} frames)` : "";
  return html`<div class="rendering" data-step=${progress.step}>
    <progress aria-label="Rendering" max="100" value=${percent}></progress>
    <span role="status" aria-live="polite">${percent}% · ${STEPS[progress.step] || progress.step}${frames}
      ${progress.attempt > 1 ? ` · try ${progress.attempt}` : ""} · ${video.image_ids.length} images</span>
  </div>`;
}

function CreateVideo({ scriptId, aspect, onCreated }) {
  const [options, setOptions] = useState({ ...VIDEO_DEFAULTS, ...(aspect ? { aspect } : {}) });
  const [key, setKey] = useState(newIdempotencyKey());
  useEffect(() => { if (aspect) setOptions((o) => ({ ...o, aspect })); }, [aspect]);
  const set = (name, value) => { setOptions({ ...options, [name]: value }); setKey(newIdempotencyKey()); };
  const [create, busy, error] = useAction(async () => {
    await write("POST", `/api/scripts/${scriptId}/create-video`, options, { idempotencyKey: key });
    setKey(newIdempotencyKey());
    onCreated();
  });
  return html`<form class="panel" aria-labelledby="create-title" onSubmit=${(event) => { event.preventDefault(); create(); }} novalidate>
    <h2 id="create-title">Create a video</h2>
    <${VideoOptionsFields} options=${options} set=${set} error=${error} />
    <${Refusal} error=${error} scriptId=${scriptId} />
    <button type="submit" disabled=${busy}>${busy ? "Asking…" : "Create the video"}</button>
  </form>`;
}

// A 409 `not_ready`: the shots still without an approved image, each a link to its review.
function Refusal({ error, scriptId }) {
  if (!error) return null;
  const missing = (error.body && error.body.missing_shots) || [];
  const unplanned = (error.body && error.body.unplanned_scene_ids) || [];
  return html`<div class="error" role="alert">
    <strong>The video cannot be made yet: </strong>${error.message}
    ${missing.length ? html`<p>Shots without an approved image:</p><ul class="missing">
      ${missing.map((shot) => html`<li key=${shot.shot_id}><a href=${`#/scripts/${scriptId}/review/${shot.shot_id}`}>Scene ${shot.scene_order}, shot ${shot.order}</a></li>`)}
    </ul>` : null}
    ${unplanned.length ? html`<p>${unplanned.length} scene(s) have no planned shots yet: <a href=${`#/scripts/${scriptId}`}>see the scene board</a>.</p>` : null}
  </div>`;
}
