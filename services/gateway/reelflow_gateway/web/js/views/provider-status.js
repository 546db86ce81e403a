// Before work is spent: does the AI provider answer? GET /api/health/providers makes one small
// real call per capability (the server keeps the answer a minute). Nothing is shown while it
// answers; when a capability fails, the writer sees which, why, and the fix it names.
import { html, useEffect, useState } from "../html.js";
import { request } from "../api.js";

const STEPS = { chat: "Writing, segmenting and planning shots", image: "Drawing images", speech: "Narration" };

export function ProviderWarning() {
  const [report, setReport] = useState(null);
  useEffect(() => {
    const controller = new AbortController();
    request("GET", "/api/health/providers", { signal: controller.signal })
      .then(() => setReport(null))
      .catch((error) => { if (error.status === 503 && error.body && error.body.checks) setReport(error.body); });
    return () => controller.abort();
  }, []);
  if (!report) return null;
  const failed = report.checks.filter((check) => !check.ok);
  return html`<div class="error provider-warning" role="alert">
    <p><strong>The AI provider (${report.provider}${report.base_url ? ` at ${report.base_url}` : ""}) is not answering.</strong>${" "}
      Work started now would fail at these steps:</p>
    <ul>${failed.map((check) => html`<li>
      <strong>${STEPS[check.capability] || check.capability}</strong> (${check.capability}): ${check.detail}
      ${check.fix ? html`<br /><span class="fix">Fix: ${check.fix}</span>` : null}
    </li>`)}</ul>
  </div>`;
}
