// The server API from the browser: POST /api with the key in a header (never a cookie), so another site cannot
// make this browser call the API; the gateway also refuses requests whose Origin is not its own.
export class ApiError extends Error {
  constructor(status, reason, code, data) {
    super(reason);
    this.status = status;
    this.reason = reason;
    this.code = code;
    this.data = data;
  }
}

let ids = 0;

export async function call(key, method, params = {}) {
  const response = await fetch("/api", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `apikey ${key}` },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++ids, method, params }),
  });
  const body = await response.json().catch(() => ({}));
  if (response.status !== 200) throw new ApiError(response.status, body.error || `HTTP ${response.status}`);
  if (body.error) throw new ApiError(200, body.error.message, body.error.code, body.error.data);
  return body.result;
}
