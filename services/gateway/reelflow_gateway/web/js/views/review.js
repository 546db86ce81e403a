// Image review, shot by shot: the current attempt large, its history, approve, reject with
// feedback. The image is shown as drawn (the video's frame, with no marks on it); what the
// reviewer needs to judge it is beside it: the attempt and its status, the shot's description
// and prompt, the prompt this attempt was drawn from when feedback changed it, the history.
// The shown scene's images are long-polled, so a redrawn attempt appears by itself.
// Keyboard: j or → next shot, k or ← previous, a approve, r write feedback and reject.
import { html, useEffect, useRef, useState } from "../html.js";
import { contentUrl, get, write } from "../api.js";
import { usePolled, useWatched } from "../live.js";
import { ErrorNote, PageTitle, Status, seconds, useAction, when } from "../ui.js";
import { ScriptNav } from "./script-parts.js";

const byAttempt = (a, b) => b.attempt - a.attempt;

// Every planned shot of the script in order, as [{shot, scene}], re-read when a scene changes.
function useShots(scriptId) {
  const scenes = useWatched(`/api/scripts/${scriptId}/scenes?limit=100`);
  const [shots, setShots] = useState({ list: null, error: null });
  const planned = scenes.data ? scenes.data.items.filter((scene) => scene.shot_planning.shot_count > 0) : [];
  const signature = planned.map((s) => `${s.id}:${s.shot_planning.shot_count}`).join(",");
  useEffect(() => {
    if (!scenes.data) return;
    let cancelled = false;
    Promise.all(planned.map((scene) => get(`/api/scenes/${scene.id}/shots?limit=100`)
      .then((page) => page.items.map((shot) => ({ shot, scene })))))
      .then((lists) => { if (!cancelled) setShots({ list: lists.flat(), error: null }); })
      .catch((error) => { if (!cancelled) setShots((previous) => ({ ...previous, error })); });
    return () => { cancelled = true; };
  }, [signature, scenes.data !== null]);
  return { scenes, shots: shots.list, error: shots.error || scenes.error };
}

// Images of every scene read once (for the strip), the current scene's kept live.
function useImages(sceneIds, currentSceneId) {
  const [byScene, setByScene] = useState({});
  const live = useWatched(currentSceneId ? `/api/scenes/${currentSceneId}/images?limit=100` : null);
  useEffect(() => {
    for (const id of sceneIds) {
      if (byScene[id] || id === currentSceneId) continue;
      get(`/api/scenes/${id}/images?limit=100`).then((page) => setByScene((all) => ({ ...all, [id]: page.items })),
        () => { /* the strip only lacks this scene's states; the scene's own view reports errors */ });
    }
  }, [sceneIds.join(",")]);
  useEffect(() => {
    if (live.data) setByScene((all) => ({ ...all, [currentSceneId]: live.data.items }));
  }, [live.data]);
  const patch = (image) => {
    live.patch(image);
    setByScene((all) => ({ ...all, [image.scene_id]: (all[image.scene_id] || []).map((i) => (i.id === image.id ? image : i)) }));
  };
  return { byScene, patch, error: live.error };
}

function shotState(images) {
  if (!images || !images.length) return "none";
  return images.slice().sort(byAttempt)[0].status;
}

export function ReviewPage({ params: [scriptId, shotId] }) {
  const script = usePolled(`/api/scripts/${scriptId}`, 0, () => false);
  const { scenes, shots, error } = useShots(scriptId);
  const list = shots || [];
  const index = Math.max(0, list.findIndex((entry) => entry.shot.id === shotId));
  const current = list[index];
  const sceneIds = [...new Set(list.map((entry) => entry.scene.id))];
  const images = useImages(sceneIds, current && current.scene.id);
  const go = (to) => { if (list[to]) location.hash = `#/scripts/${scriptId}/review/${list[to].shot.id}`; };
  const imagesOf = (entry) => (images.byScene[entry.scene.id] || []).filter((i) => i.shot_id === entry.shot.id);
  const title = script.data ? script.data.title || "Untitled script" : "Script";
  return html`<section class="review">
    <${PageTitle}>Review images: ${title}<//>
    ${script.data ? html`<${ScriptNav} script=${script.data} current="review" />` : null}
    <${ErrorNote} error=${script.error || error} context="Could not load the shots" />
    <${ErrorNote} error=${images.error} context="Lost the live images (retrying)" />
    <${Shortcuts} />
    ${!shots ? html`<p aria-live="polite">${scenes.data ? "Loading shots…" : "Loading…"}</p>`
      : !list.length ? html`<p>No shots planned yet: <a href=${`#/scripts/${scriptId}`}>approve scenes</a> and their shots are planned and drawn.</p>`
      : html`
        <nav class="strip" aria-label="Shots">
          ${list.map((entry, i) => html`<a key=${entry.shot.id} href=${`#/scripts/${scriptId}/review/${entry.shot.id}`}
              class=${`chip status-${shotState(imagesOf(entry))}`} aria-current=${i === index ? "true" : undefined}
              aria-label=${`Scene ${entry.scene.order} shot ${entry.shot.order}: ${shotState(imagesOf(entry))}`}>
              ${entry.scene.order}.${entry.shot.order}</a>`)}
        </nav>
        <${ShotReview} key=${current.shot.id} entry=${current} images=${imagesOf(current)} position=${`${index + 1} of ${list.length}`}
          onChange=${images.patch} onNext=${() => go(index + 1)} onPrevious=${() => go(index - 1)} />`}
  </section>`;
}

function Shortcuts() {
  return html`<details class="shortcuts">
    <summary>Keyboard shortcuts</summary>
    <dl>
      <dt><kbd>j</kbd> or <kbd>→</kbd></dt><dd>next shot</dd>
      <dt><kbd>k</kbd> or <kbd>←</kbd></dt><dd>previous shot</dd>
      <dt><kbd>a</kbd></dt><dd>approve the current image (then go to the next shot)</dd>
      <dt><kbd>r</kbd></dt><dd>write feedback to reject it (<kbd>Enter</kbd> rejects, <kbd>Esc</kbd> leaves the field)</dd>
    </dl>
  </details>`;
}

const typing = (target) => target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable);

function ShotReview({ entry, images, position, onChange, onNext, onPrevious }) {
  const { shot, scene } = entry;
  const attempts = images.slice().sort(byAttempt);
  const latest = attempts[0];
  const [feedback, setFeedback] = useState("");
  const feedbackRef = useRef(null);
  const [approve, approving, approveError] = useAction(async () => {
    onChange(await write("POST", `/api/images/${latest.id}/approve`));
    onNext();
  });
  const [reject, rejecting, rejectError] = useAction(async () => {
    onChange(await write("POST", `/api/images/${latest.id}/reject`, feedback.trim() ? { feedback: feedback.trim() } : {}));
    setFeedback("");
  });
  const canApprove = latest && latest.status === "pending" && latest.content_url;
  const canReject = latest && (latest.status === "pending" && latest.content_url || latest.status === "failed" && latest.code !== "max_attempts");
  useEffect(() => {
    const onKey = (event) => {
      if (event.key === "Escape" && event.target === feedbackRef.current) { feedbackRef.current.blur(); return; }
      if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === "j" || event.key === "ArrowRight") onNext();
      else if (event.key === "k" || event.key === "ArrowLeft") onPrevious();
      else if (event.key === "a" && canApprove && !approving) approve();
      else if (event.key === "r" && canReject && feedbackRef.current) { event.preventDefault(); feedbackRef.current.focus(); }
      else return;
      event.preventDefault();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  });
  return html`<article class="shot-review" aria-labelledby="shot-title">
    <h2 id="shot-title">Scene ${scene.order}, shot ${shot.order} <span class="count">(${position})</span></h2>
    <div class="review-grid">
      <div class="stage">
        <${CurrentImage} image=${latest} shot=${shot} />
        <${ErrorNote} error=${approveError} context="Could not approve" />
        <${ErrorNote} error=${rejectError} context="Could not reject" />
        <div class="actions">
          <button type="button" onClick=${onPrevious} class="secondary">Previous</button>
          <button type="button" onClick=${approve} disabled=${!canApprove || approving}>${approving ? "Approving…" : "Approve"}</button>
          <button type="button" onClick=${onNext} class="secondary">Next</button>
        </div>
        <form class="reject" onSubmit=${(event) => { event.preventDefault(); if (canReject) reject(); }} novalidate>
          <label for="feedback">Feedback for the next attempt</label>
          <input id="feedback" type="text" ref=${feedbackRef} value=${feedback} maxlength="2000" disabled=${!canReject}
                 onInput=${(e) => setFeedback(e.target.value)} placeholder="e.g. at night, closer on her face" />
          <button type="submit" class="danger" disabled=${!canReject || rejecting}>${rejecting ? "Rejecting…" : "Reject and redraw"}</button>
        </form>
      </div>
      <div class="details">
        <dl>
          <dt>Description</dt><dd>${shot.description}</dd>
          <dt>Image prompt</dt><dd>${shot.image_prompt}</dd>
          ${latest && latest.prompt && latest.prompt !== shot.image_prompt
            ? html`<dt>Attempt ${latest.attempt} drawn from</dt><dd class="prompt">${latest.prompt}</dd>` : null}
          <dt>Duration</dt><dd>${seconds(shot.duration_s)}</dd>
          ${shot.narration ? html`<dt>Narration</dt><dd>${shot.narration}</dd>` : null}
        </dl>
        <h3>Attempts</h3>
        ${attempts.length ? html`<ol class="attempts" reversed>
          ${attempts.map((image) => html`<li key=${image.id}>
            Attempt ${image.attempt}: <${Status} value=${image.status} />
            ${image.feedback ? html` · feedback: “${image.feedback}”` : null}
            ${image.error ? html` · ${image.error}` : null}
            <span class="small"> ${when(image.rejected_at || image.approved_at || image.failed_at || image.generated_at)}</span>
          </li>`)}
        </ol>` : html`<p>No attempt yet.</p>`}
      </div>
    </div>
  </article>`;
}

function CurrentImage({ image, shot }) {
  const [url, setUrl] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => {
    setUrl(null);
    if (!image || !image.content_url) return;
    contentUrl("images", image.id).then(setUrl, setError);
  }, [image && image.id, image && image.content_url]);
  if (!image) return html`<div class="frame empty" role="status">The image is being drawn…</div>`;
  if (image.status === "failed") {
    const final = image.code === "max_attempts";
    return html`<div class="frame empty error" role="alert">
      <strong>Attempt ${image.attempt} failed</strong> (${image.code}): ${image.error}
      <p>${final ? "This shot has used all its attempts, so no new image can be drawn for it and the video cannot be made from this script. To start over, open a new script with this one's text." : "Reject it (with feedback if you like) to draw it again."}</p>
    </div>`;
  }
  if (image.status === "rejected") return html`<div class="frame empty" role="status">Attempt ${image.attempt} rejected; drawing attempt ${image.attempt + 1}…</div>`;
  if (!image.content_url) return html`<div class="frame empty" role="status">Attempt ${image.attempt} is being drawn…</div>`;
  return html`<figure class="frame">
    ${url ? html`<img src=${url} alt=${`Scene shot ${shot.order}, attempt ${image.attempt}: ${image.prompt || shot.image_prompt}`} />`
      : html`<div class="empty" role="status">Loading the image…</div>`}
    <${ErrorNote} error=${error} context="Could not open the image" />
    <figcaption>Attempt ${image.attempt} · <${Status} value=${image.status} />${image.width ? ` · ${image.width}×${image.height}` : ""}</figcaption>
  </figure>`;
}
