// One script: its draft (edit, "Approve & segment"), then its scene board: the scenes as they
// appear (long-polled), each editable and approvable while pending, with its planned shots.
import { html, useEffect, useState } from "../html.js";
import { write } from "../api.js";
import { usePolled, useWatched } from "../live.js";
import { ErrorNote, Field, PageTitle, Status, described, seconds, useAction } from "../ui.js";
import { ScriptNav, UsagePanel } from "./script-parts.js";

const SCENES_PAGE = 100;

export function ScriptPage({ params: [scriptId] }) {
  const script = usePolled(`/api/scripts/${scriptId}`, 2000,
    (s) => s.status === "approved" && s.segmentation.state === "pending");
  if (!script.data) {
    return html`<section><${PageTitle}>Script<//><${ErrorNote} error=${script.error} context="Could not load the script" />
      ${script.error ? null : html`<p aria-live="polite">Loading…</p>`}</section>`;
  }
  const s = script.data;
  return html`<section>
    <${PageTitle}>${s.title || "Untitled script"}<//>
    ${s.title_page && s.title_page.authors.length
      ? html`<p class="byline">by ${s.title_page.authors.join(", ")}</p>` : null}
    <${ScriptNav} script=${s} current="board" />
    <p class="meta"><${Status} value=${s.status} /> ${s.status === "approved"
      ? html`${s.approved_scene_count} of ${s.scene_count} scenes approved` : "Edit the draft, then approve it to cut it into scenes."}</p>
    ${s.status === "draft"
      ? html`<${DraftEditor} script=${s} onSaved=${script.reload} />`
      : html`<${SceneBoard} script=${s} onScenesChanged=${script.reload} />`}
    <${UsagePanel} scriptId=${s.id} />
  </section>`;
}

function DraftEditor({ script, onSaved }) {
  const [title, setTitle] = useState(script.title);
  const [content, setContent] = useState(script.content);
  const dirty = title !== script.title || content !== script.content;
  const [save, saving, saveError] = useAction(async () => {
    await write("PUT", `/api/scripts/${script.id}`, { title, content });
    onSaved();
  });
  const [approve, approving, approveError] = useAction(async () => {
    if (dirty) await write("PUT", `/api/scripts/${script.id}`, { title, content });
    await write("POST", `/api/scripts/${script.id}/approve`);
    onSaved();
  });
  return html`<form class="draft" onSubmit=${(event) => { event.preventDefault(); save(); }} novalidate>
    <h2>Draft</h2>
    <${Field} label="Title" name="title" error=${saveError || approveError}>
      <input type="text" maxlength="200" value=${title} onInput=${(e) => setTitle(e.target.value)}
             ...${described("title", saveError || approveError)} />
    <//>
    <${Field} label="Script" name="content" error=${saveError || approveError}>
      <textarea rows="18" class="script-text" value=${content} onInput=${(e) => setContent(e.target.value)}
                ...${described("content", saveError || approveError)}></textarea>
    <//>
    <${ErrorNote} error=${saveError} context="Could not save the draft" />
    <${ErrorNote} error=${approveError} context="Could not approve the script" />
    <div class="actions">
      <button type="submit" class="secondary" disabled=${saving || !dirty}>${saving ? "Saving…" : dirty ? "Save draft" : "Saved"}</button>
      <button type="button" onClick=${approve} disabled=${approving}>${approving ? "Approving…" : "Approve & segment"}</button>
    </div>
  </form>`;
}

function Segmentation({ state }) {
  if (state.state === "pending") return html`<p role="status" aria-live="polite">The AI is cutting the script into scenes; they appear here as they are made.</p>`;
  if (state.state === "failed") {
    return html`<div class="error" role="alert"><strong>Segmentation failed</strong> (${state.code}): ${state.error}</div>`;
  }
  return state.note ? html`<p class="hint">${state.note}</p>` : null;
}

function SceneBoard({ script, onScenesChanged }) {
  const [offset, setOffset] = useState(0);
  const scenes = useWatched(`/api/scripts/${script.id}/scenes?limit=${SCENES_PAGE}&offset=${offset}`);
  const items = scenes.data ? scenes.data.items : [];
  const pending = items.filter((scene) => scene.status === "pending");
  const signature = items.map((scene) => `${scene.id}:${scene.status}`).join(",");
  useEffect(() => { if (scenes.data) onScenesChanged(); }, [signature]);
  const [approveAll, approvingAll, approveAllError] = useAction(async () => {
    for (const scene of pending) scenes.patch(await write("POST", `/api/scenes/${scene.id}/approve`));
  });
  const total = scenes.data ? scenes.data.total : 0;
  return html`<div class="board">
    <div class="title-row">
      <h2>Scenes ${scenes.data ? html`<span class="count">(${total})</span>` : null}</h2>
      ${pending.length ? html`<button type="button" onClick=${approveAll} disabled=${approvingAll}>
        ${approvingAll ? "Approving…" : pending.length === 1 ? "Approve the pending scene" : `Approve all ${pending.length} pending scenes`}</button>` : null}
    </div>
    <${Segmentation} state=${script.segmentation} />
    <${ErrorNote} error=${approveAllError} context="Could not approve every scene" />
    <${ErrorNote} error=${scenes.error} context="Lost the live scene list (retrying)" />
    <ol class="scenes">
      ${items.map((scene) => html`<${SceneCard} key=${scene.id} scene=${scene} scriptId=${script.id} onChange=${scenes.patch} />`)}
    </ol>
    ${total > SCENES_PAGE ? html`<nav class="pager" aria-label="Pages of scenes">
      <button type="button" disabled=${offset === 0} onClick=${() => setOffset(offset - SCENES_PAGE)}>Previous scenes</button>
      <span>${offset + 1}–${Math.min(offset + SCENES_PAGE, total)} of ${total}</span>
      <button type="button" disabled=${offset + SCENES_PAGE >= total} onClick=${() => setOffset(offset + SCENES_PAGE)}>Next scenes</button>
    </nav>` : null}
  </div>`;
}

function SceneCard({ scene, scriptId, onChange }) {
  const [text, setText] = useState(scene.text);
  const [heading, setHeading] = useState(scene.heading);
  const [edited, setEdited] = useState(false);
  const [headingSet, setHeadingSet] = useState(false);
  useEffect(() => { if (!edited) { setText(scene.text); setHeading(scene.heading); } }, [scene.text, scene.heading]);
  // The heading goes along only once the writer changed it; until then the scene service reads it from the text.
  const changes = () => (headingSet ? { text, heading } : { text });
  const saved = () => { setEdited(false); setHeadingSet(false); };
  const [save, saving, saveError] = useAction(async () => {
    onChange(await write("PUT", `/api/scenes/${scene.id}`, changes()));
    saved();
  });
  const [approve, approving, approveError] = useAction(async () => {
    if (edited) {
      await write("PUT", `/api/scenes/${scene.id}`, changes());
      saved();
    }
    onChange(await write("POST", `/api/scenes/${scene.id}/approve`));
  });
  const id = `scene-${scene.id}`;
  const planning = scene.shot_planning;
  return html`<li class="scene card" id=${id} aria-labelledby=${`${id}-title`}>
    <h3 id=${`${id}-title`}>Scene ${scene.order}: ${scene.heading || "(no heading)"}</h3>
    <div class="meta"><${Status} value=${scene.status} /> <${Status} value=${planning.state} label="shots" /></div>
    ${scene.status === "pending" ? html`
      <form onSubmit=${(event) => { event.preventDefault(); save(); }} novalidate>
        <${Field} label=${`Heading of scene ${scene.order}`} name="heading" id=${`${id}-heading`} error=${saveError}
                  hint="Left as it is, the heading follows the text's first slugline or heading line.">
          <input type="text" maxlength="300" value=${heading}
                 onInput=${(e) => { setHeading(e.target.value); setHeadingSet(true); setEdited(true); }}
                 ...${described("heading", saveError, true, `${id}-heading`)} />
        <//>
        <${Field} label=${`Text of scene ${scene.order}`} name="text" id=${`${id}-text`} error=${saveError}>
          <textarea rows="6" value=${text} onInput=${(e) => { setText(e.target.value); setEdited(true); }}
                    ...${described("text", saveError, false, `${id}-text`)}></textarea>
        <//>
        <${ErrorNote} error=${saveError} context="Could not save the scene" />
        <${ErrorNote} error=${approveError} context="Could not approve the scene" />
        <div class="actions">
          <button type="submit" class="secondary" disabled=${saving || !edited}>${saving ? "Saving…" : edited ? "Save scene" : "Saved"}</button>
          <button type="button" onClick=${approve} disabled=${approving}
                  aria-label=${`Approve scene ${scene.order}`}>${approving ? "Approving…" : "Approve scene"}</button>
        </div>
      </form>` : html`<p class="scene-text">${scene.text}</p>`}
    ${planning.state === "failed" ? html`<div class="error" role="alert"><strong>Shot planning failed</strong> (${planning.code}): ${planning.error}</div>` : null}
    ${planning.state === "planning" ? html`<p role="status">Planning shots… ${planning.shot_count ? `${planning.shot_count} so far` : ""}</p>` : null}
    ${planning.shot_count ? html`<${ShotList} key=${`${planning.state}:${planning.shot_count}`} sceneId=${scene.id} scriptId=${scriptId} />` : null}
  </li>`;
}

function ShotList({ sceneId, scriptId }) {
  const shots = usePolled(`/api/scenes/${sceneId}/shots?limit=100`, 0, () => false);
  if (!shots.data) return html`<${ErrorNote} error=${shots.error} context="Could not load the shots" />`;
  return html`<ol class="shots" aria-label="Shots">
    ${shots.data.items.map((shot) => html`<li class="shot" key=${shot.id}>
      <div class="shot-head"><strong>Shot ${shot.order}</strong> · ${seconds(shot.duration_s)}
        · <a href=${`#/scripts/${scriptId}/review/${shot.id}`} aria-label=${`Review image of scene ${shot.scene_order}, shot ${shot.order}`}>Review image</a></div>
      <dl>
        <dt>Description</dt><dd>${shot.description}</dd>
        <dt>Image prompt</dt><dd>${shot.image_prompt}</dd>
        ${shot.narration ? html`<dt>Narration</dt><dd>${shot.narration}</dd>` : null}
      </dl>
    </li>`)}
  </ol>`;
}
