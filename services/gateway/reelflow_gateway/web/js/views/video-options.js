// The render options of the API (aspect, resolution, transition, motion, narration, subtitles,
// fps), as form fields; used to create a video and to start an operation.
import { html } from "../html.js";
import { ASPECTS, RESOLUTIONS, TRANSITIONS } from "../options.js";
import { Field, described } from "../ui.js";

export function VideoOptionsFields({ options, set, error }) {
  const select = (name, label, values) => html`<${Field} label=${label} name=${name} id=${`video-${name}`} error=${error}>
    <select value=${options[name]} onChange=${(e) => set(name, e.target.value)} ...${described(name, error, null, `video-${name}`)}>
      ${values.map((value) => html`<option value=${value}>${value}</option>`)}
    </select><//>`;
  const number = (name, label, min, max, step) => html`<${Field} label=${label} name=${name} id=${`video-${name}`} error=${error}>
    <input type="number" min=${min} max=${max} step=${step} value=${options[name]}
           onInput=${(e) => set(name, Number(e.target.value))} ...${described(name, error, null, `video-${name}`)} /><//>`;
  const check = (name, label) => html`<label class="check"><input type="checkbox" checked=${options[name]}
    onChange=${(e) => set(name, e.target.checked)} /> ${label}</label>`;
  return html`<div class="grid">
      ${select("aspect", "Aspect", ASPECTS)}
      ${select("resolution", "Resolution", RESOLUTIONS)}
      ${select("transition", "Transition", TRANSITIONS)}
      ${number("transition_s", "Transition length (s)", 0, 5, 0.1)}
      ${number("fps", "Frames per second", 12, 60, 1)}
    </div>
    <fieldset class="choices"><legend>Extras</legend>
      ${check("motion", "Motion (slow zoom and pan)")} ${check("narration", "Narration")} ${check("subtitles", "Subtitles")}
    </fieldset>`;
}
