// Sign in and sign up (POST /api/auth/register, POST /api/auth/token).
import { html, useState } from "../html.js";
import { request } from "../api.js";
import { session } from "../session.js";
import { Field, ErrorNote, described, useAction, PageTitle } from "../ui.js";

async function signIn(email, password) {
  const answer = await request("POST", "/api/auth/token", { form: { username: email, password }, auth: false });
  session.start(email, answer.data.access_token, answer.data.expires_in);
}

export function AuthPage({ notice }) {
  const [mode, setMode] = useState("signin");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const signingUp = mode === "signup";
  const [submit, busy, error, clearError] = useAction(async () => {
    if (signingUp) {
      await request("POST", "/api/auth/register", { body: { email, password }, auth: false });
    }
    await signIn(email, password);
  });
  const switchTo = (next) => { setMode(next); clearError(); };
  const onSubmit = (event) => { event.preventDefault(); submit(); };
  // The token endpoint names its form fields `username`: show its errors under the email field.
  const shown = error && error.fields.username ? { ...error, fields: { ...error.fields, email: error.fields.username } } : error;
  return html`<section class="auth">
    <${PageTitle} key=${mode}>${signingUp ? "Create your account" : "Sign in to Reelflow"}<//>
    ${notice ? html`<p class="notice" role="status">${notice}</p>` : null}
    <form onSubmit=${onSubmit} novalidate>
      <${Field} label="Email" name="email" error=${shown}>
        <input type="email" autocomplete="username" required value=${email}
               onInput=${(e) => setEmail(e.target.value)} ...${described("email", shown)} />
      <//>
      <${Field} label="Password" name="password" error=${shown} hint=${signingUp ? "At least 8 characters." : null}>
        <input type="password" autocomplete=${signingUp ? "new-password" : "current-password"} required
               value=${password} onInput=${(e) => setPassword(e.target.value)}
               ...${described("password", shown, signingUp)} />
      <//>
      <${ErrorNote} error=${shown} context=${signingUp ? "Could not create the account" : "Could not sign in"} />
      <button type="submit" disabled=${busy}>${busy ? "Please wait…" : signingUp ? "Create account" : "Sign in"}</button>
    </form>
    <p>${signingUp
      ? html`Already have an account? <button type="button" class="link" onClick=${() => switchTo("signin")}>Sign in</button>`
      : html`New here? <button type="button" class="link" onClick=${() => switchTo("signup")}>Create an account</button>`}</p>
  </section>`;
}
