// A new script: pasted, opened from a .fountain/.txt/.md file (read in the browser), or
// written by the AI from a premise (with the number of scenes wanted).
import { html, useState } from "../html.js";
import { write, newIdempotencyKey } from "../api.js";
import { ASPECTS, SCRIPT_FILE_TYPES } from "../options.js";
import { ErrorNote, Field, PageTitle, described, useAction } from "../ui.js";
import { ProviderWarning } from "./provider-status.js";

export function readTextFile(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(new Error(`Could not read ${file.name}: ${reader.error}`));
    reader.readAsText(file);
  });
}

const titleOf = (fileName) => fileName.replace(/\.(fountain|txt|md)$/i, "");
// A Fountain title page's `Title:` names the script (the server reads the page the same way);
// only the first line of the value is shown here, emphasis marks dropped.
const titlePageTitle = (text) => {
  const match = /^\s*title:[ \t]*(.*)(?:\n[ \t]+(.*))?/i.exec(text);
  return match ? (match[1] || match[2] || "").replace(/[*_]/g, "").trim() : "";
};

export function NewScriptPage() {
  const [source, setSource] = useState("text");
  const [title, setTitle] = useState("");
  const [content, setContent] = useState("");
  const [premise, setPremise] = useState("");
  const [scenes, setScenes] = useState("");
  const [aspect, setAspect] = useState("16:9");
  const [fileNote, setFileNote] = useState("");
  const [key, setKey] = useState(newIdempotencyKey());
  const [create, busy, error] = useAction(async () => {
    const body = source === "premise"
      ? { premise, title: title || null, aspect, target_scenes: scenes ? Number(scenes) : null }
      : { content, title: title || null, aspect };
    const script = await write("POST", "/api/scripts", body, { idempotencyKey: key });
    setKey(newIdempotencyKey());
    location.hash = `#/scripts/${script.id}`;
  });
  const [openFile, , fileError] = useAction(async (file) => {
    const text = await readTextFile(file);
    setContent(text);
    if (!title) setTitle(titlePageTitle(text) || titleOf(file.name));
    setFileNote(`${file.name} opened (${text.length} characters). Edit it below if you like.`);
  });
  const change = (setter) => (event) => { setter(event.target.value); setKey(newIdempotencyKey()); };
  return html`<section>
    <${PageTitle}>New script<//>
    <${ProviderWarning} />
    <form onSubmit=${(event) => { event.preventDefault(); create(); }} novalidate>
      <fieldset class="choices">
        <legend>Start from</legend>
        <label><input type="radio" name="source" value="text" checked=${source === "text"}
          onChange=${() => setSource("text")} /> My script (paste it or open a file)</label>
        <label><input type="radio" name="source" value="premise" checked=${source === "premise"}
          onChange=${() => setSource("premise")} /> A premise (the AI writes the script)</label>
      </fieldset>
      <${Field} label="Title" name="title" error=${error} hint=${source === "premise" ? "Leave empty to let the AI propose one." : null}>
        <input type="text" maxlength="200" value=${title} onInput=${change(setTitle)}
               ...${described("title", error, source === "premise")} />
      <//>
      ${source === "text" ? html`
        <${Field} label="Open a file (.fountain, .txt or .md)" name="file" error=${fileError}>
          <input type="file" accept=${SCRIPT_FILE_TYPES} ...${described("file", fileError)}
                 onChange=${(e) => e.target.files[0] && openFile(e.target.files[0])} />
        <//>
        ${fileNote ? html`<p class="hint" role="status">${fileNote}</p>` : null}
        <${ErrorNote} error=${fileError} />
        <${Field} label="Script" name="content" error=${error} hint="A screenplay (Fountain) or plain prose; scene headings like INT. KITCHEN - NIGHT help the cut.">
          <textarea rows="16" class="script-text" value=${content} onInput=${change(setContent)}
                    ...${described("content", error, true)}></textarea>
        <//>` : html`
        <${Field} label="Premise" name="premise" error=${error}>
          <textarea rows="4" value=${premise} onInput=${change(setPremise)} ...${described("premise", error)}></textarea>
        <//>
        <${Field} label="Number of scenes (optional)" name="target_scenes" error=${error}>
          <input type="number" min="1" max="100" value=${scenes} onInput=${change(setScenes)}
                 ...${described("target_scenes", error)} />
        <//>`}
      <${Field} label="Frame shape" name="aspect" error=${error}>
        <select value=${aspect} onChange=${change(setAspect)} ...${described("aspect", error)}>
          ${ASPECTS.map((value) => html`<option value=${value}>${value}</option>`)}
        </select>
      <//>
      <${ErrorNote} error=${error} context="Could not create the script" />
      <button type="submit" disabled=${busy}>${busy ? "Creating…" : source === "premise" ? "Write the script" : "Create the script"}</button>
    </form>
  </section>`;
}
