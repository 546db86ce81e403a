// Pieces shared by a script's pages: the tabs between them and the usage and cost panel.
import { html } from "../html.js";
import { usePolled } from "../live.js";
import { ErrorNote, Scrolling, money } from "../ui.js";

export function ScriptNav({ script, current }) {
  const tabs = [["board", `#/scripts/${script.id}`, script.status === "draft" ? "Draft" : "Scenes"],
                ["review", `#/scripts/${script.id}/review`, "Review images"],
                ["video", `#/scripts/${script.id}/video`, "Video"]];
  return html`<nav class="tabs" aria-label="Script">
    ${tabs.map(([name, href, label]) => html`<a href=${href} aria-current=${name === current ? "page" : undefined}>${label}</a>`)}
    <a href="#/scripts">All scripts</a>
  </nav>`;
}

// Usage per provider and model, and its cost (a script's, or an operation's).
export function UsageTable({ usage, cost, caption }) {
  if (!usage.length) return html`<p>No AI usage recorded yet.</p>`;
  const amounts = new Map((cost.by_model || []).map((line) => [`${line.provider}/${line.model}`, line.amount]));
  return html`<${Scrolling} label=${caption}><table class="usage">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">Model</th><th scope="col">Input tokens</th><th scope="col">Output tokens</th>
      <th scope="col">Images</th><th scope="col">Audio</th><th scope="col">Cost</th></tr></thead>
    <tbody>${usage.map((line) => html`<tr key=${`${line.provider}/${line.model}`}>
      <th scope="row">${line.provider} ${line.model}</th><td>${line.input_tokens}</td><td>${line.output_tokens}</td>
      <td>${line.images}</td><td>${Number(line.audio_seconds || 0).toFixed(1)} s</td>
      <td>${cost.unpriced_models.includes(line.model) ? "no price" : money(amounts.get(`${line.provider}/${line.model}`), cost.currency)}</td>
    </tr>`)}</tbody>
    <tfoot><tr><th scope="row" colspan="5">Total</th><td>${money(cost.total, cost.currency)}</td></tr></tfoot>
  </table><//>`;
}

export function UsagePanel({ scriptId }) {
  const usage = usePolled(`/api/scripts/${scriptId}/usage`, 10000);
  return html`<section class="panel" aria-labelledby="usage-title">
    <h2 id="usage-title">Usage and cost</h2>
    <${ErrorNote} error=${usage.error} context="Could not load the usage" />
    ${usage.data ? html`<${UsageTable} usage=${usage.data.usage} cost=${usage.data.cost} caption="AI used by this script" />` : null}
  </section>`;
}
