// The signed-in user: the bearer token and email in localStorage, so a reload keeps the session.
// `expire` (a 401 on an authenticated call) ends it with a message for the sign-in page.
const KEY = "reelflow.session";
const listeners = new Set();

function read() {
  try { return JSON.parse(localStorage.getItem(KEY)) || null; } catch { return null; }
}

export const session = {
  current: read(),
  notice: "",
  get token() { return this.current && this.current.token; },
  get email() { return this.current && this.current.email; },
  start(email, token, expiresIn) {
    this.current = { email, token, expiresAt: Date.now() + expiresIn * 1000 };
    this.notice = "";
    localStorage.setItem(KEY, JSON.stringify(this.current));
    emit();
  },
  end(notice = "") {
    this.current = null;
    this.notice = notice;
    localStorage.removeItem(KEY);
    emit();
  },
  expire(reason) {
    this.end(`Your session has ended (${reason}). Sign in again to continue.`);
  },
  subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// A token past its lifetime is ended before any call is made with it.
if (session.current && session.current.expiresAt && session.current.expiresAt < Date.now()) {
  session.expire("your sign-in has expired");
}

function emit() {
  for (const listener of listeners) listener(session.current);
}
