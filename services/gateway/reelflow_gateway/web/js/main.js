// The studio's shell: the hash router, the header, the connection banner and the pages.
import { html, render, useEffect, useState } from "./html.js";
import { session } from "./session.js";
import { isConnectionLost, onConnectionChange } from "./connection.js";
import { AuthPage } from "./views/auth.js";
import { ScriptsPage } from "./views/scripts.js";
import { NewScriptPage } from "./views/new-script.js";
import { ScriptPage } from "./views/script.js";
import { ReviewPage } from "./views/review.js";
import { VideoPage } from "./views/video.js";
import { OperationsPage } from "./views/operations.js";
import { OperationPage } from "./views/operation.js";

// [pattern, page]: the first whose pattern matches the hash wins; groups become `params`.
const ROUTES = [
  [/^\/?$/, ScriptsPage],
  [/^\/scripts$/, ScriptsPage],
  [/^\/new$/, NewScriptPage],
  [/^\/scripts\/([\w-]+)$/, ScriptPage],
  [/^\/scripts\/([\w-]+)\/review(?:\/([\w-]+))?$/, ReviewPage],
  [/^\/scripts\/([\w-]+)\/video$/, VideoPage],
  [/^\/operations$/, OperationsPage],
  [/^\/operations\/([\w-]+)$/, OperationPage],
];

function currentRoute() {
  const path = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  for (const [pattern, page] of ROUTES) {
    const match = path.match(pattern);
    if (match) return { page, params: match.slice(1), path };
  }
  return { page: NotFound, params: [], path };
}

function NotFound({ path }) {
  return html`<section><h1>Not found</h1><p>The studio has no page at ${path}. <a href="#/">Go to your scripts</a>.</p></section>`;
}

function useSession() {
  const [current, setCurrent] = useState(session.current);
  useEffect(() => session.subscribe(setCurrent), []);
  return current;
}

function useRoute() {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

function ConnectionBanner() {
  const [lost, setLost] = useState(isConnectionLost());
  const [recovered, setRecovered] = useState(false);
  useEffect(() => onConnectionChange((now) => {
    setLost(now);
    if (!now) {
      setRecovered(true);
      setTimeout(() => setRecovered(false), 4000);
    }
  }), []);
  if (lost) {
    return html`<div class="banner banner-lost" role="alert">
      The connection to the gateway is lost. Retrying every few seconds; your page comes back by itself.</div>`;
  }
  return recovered ? html`<div class="banner banner-back" role="status">Connected to the gateway again.</div>` : null;
}

function Header({ email, path }) {
  const here = (prefix) => (path === prefix || path.startsWith(`${prefix}/`) ? "page" : undefined);
  return html`<header class="top">
    <a class="brand" href="#/">Reelflow studio</a>
    <nav aria-label="Main">
      <a href="#/scripts" aria-current=${here("/scripts") || (path === "/" ? "page" : undefined)}>Scripts</a>
      <a href="#/new" aria-current=${here("/new")}>New script</a>
      <a href="#/operations" aria-current=${here("/operations")}>Operations</a>
    </nav>
    <div class="who">
      <span class="email">${email}</span>
      <button type="button" class="secondary" onClick=${() => session.end("You signed out.")}>Sign out</button>
    </div>
  </header>`;
}

function App() {
  const current = useSession();
  const route = useRoute();
  if (!current) {
    return html`<${ConnectionBanner} /><main id="main"><${AuthPage} notice=${session.notice} /></main>`;
  }
  const Page = route.page;
  return html`
    <a class="skip" href="#main" onClick=${(event) => { event.preventDefault(); document.getElementById("main").focus(); }}>Skip to content</a>
    <${Header} email=${current.email} path=${route.path} />
    <${ConnectionBanner} />
    <main id="main" tabindex="-1"><${Page} key=${`${route.page.name}:${route.params[0] || ""}`} params=${route.params} path=${route.path} /></main>`;
}

const root = document.getElementById("app");
root.textContent = ""; // the "Loading" note
render(html`<${App} />`, root);
