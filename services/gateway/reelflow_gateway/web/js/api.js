// The only way the studio talks to the gateway: the public REST API under /api.
// Errors become ApiError (status, detail, code, field errors, Retry-After); a 401 on an
// authenticated call ends the session; a 202 is followed through GET /api/commands/{id}
// until the command is applied or rejected; a lost connection is reported to the banner.
import { connectionLost, connectionBack } from "./connection.js";
import { session } from "./session.js";

export class ApiError extends Error {
  constructor(status, body = {}, retryAfter = null) {
    super(describe(status, body, retryAfter));
    this.status = status;
    this.code = body.code || null;
    this.body = body;
    this.retryAfter = retryAfter;
    this.fields = fieldErrors(body.errors);
  }
}

function describe(status, body, retryAfter) {
  const detail = body.detail || (status === 0 ? "The gateway cannot be reached." : `The gateway answered ${status}.`);
  if (status === 429 && retryAfter != null) return `${detail} (try again in ${retryAfter} s)`;
  return detail;
}

// 422/400 `errors` ({loc, msg}) by field name: the last part of `loc` that is a name.
function fieldErrors(errors) {
  const fields = {};
  for (const error of errors || []) {
    const names = (error.loc || []).filter((part) => typeof part === "string" && part !== "body");
    const field = names.length ? names[names.length - 1] : "_";
    fields[field] = fields[field] ? `${fields[field]}; ${error.msg}` : error.msg;
  }
  return fields;
}

const COMMAND_WAIT_MS = 120000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// One HTTP call. `body` is sent as JSON, `form` as x-www-form-urlencoded.
// Answers {status, data, headers}; throws ApiError for any 4xx/5xx or network failure.
export async function request(method, path, { body, form, headers = {}, signal, auth = true } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, cache: "no-store" };
  if (auth && session.token) init.headers.Authorization = `Bearer ${session.token}`;
  if (form) {
    init.body = new URLSearchParams(form);
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    connectionLost();
    throw new ApiError(0, {});
  }
  connectionBack();
  const text = response.status === 304 ? "" : await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { detail: text.slice(0, 200) }; }
  }
  if (response.status >= 400) {
    const retry = response.headers.get("Retry-After");
    const error = new ApiError(response.status, data || {}, retry == null ? null : Number(retry));
    if (response.status === 401 && auth && session.token) session.expire(error.message);
    throw error;
  }
  return { status: response.status, data, headers: response.headers };
}

export const get = async (path, options) => (await request("GET", path, options)).data;

// A write: the new state, once the owning service applied it. A 202 (outcome not known yet)
// is followed through its command until applied (then the resource is read again) or rejected.
export async function write(method, path, body, { idempotencyKey, headers = {} } = {}) {
  if (idempotencyKey) headers = { ...headers, "Idempotency-Key": idempotencyKey };
  const answer = await request(method, path, { body, headers });
  if (answer.status !== 202 || !answer.data || !answer.data.command_id) return answer.data;
  await commandOutcome(answer.data.command_id);
  const location = answer.headers.get("Location");
  return location ? get(location) : answer.data;
}

async function commandOutcome(commandId) {
  const deadline = Date.now() + COMMAND_WAIT_MS;
  while (Date.now() < deadline) {
    const command = await get(`/api/commands/${commandId}`);
    if (command.status === "applied") return command;
    if (command.status === "rejected" || command.status === "failed") {
      throw new ApiError(409, { detail: command.reason || `the command was ${command.status}`, code: command.code });
    }
    await sleep(500);
  }
  throw new ApiError(504, { detail: "The change was accepted but not applied yet; reload the page to see it later." });
}

// Tickets for <img>/<video> src, kept until shortly before they expire.
const tickets = new Map();
export async function contentUrl(kind, id) {
  const cached = tickets.get(id);
  if (cached && cached.expires > Date.now() + 60000) return cached.url;
  const ticket = await get(`/api/${kind}/${id}/content-ticket`);
  tickets.set(id, { url: ticket.url, expires: Date.parse(ticket.expires_at) });
  return ticket.url;
}

export const newIdempotencyKey = () =>
  (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);
