// Headers every answer carries. The dashboard's policy allows only its own files: no inline script
// or style, no framing, requests only to this server. No CORS header is ever sent.

const SECURITY_HEADERS: Record<string, string> = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Content-Security-Policy": [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; "),
};

/**
 * The response with the security headers (and `Cache-Control: no-store` for the API). A response
 * whose headers cannot be changed (one built by a library as immutable) is copied.
 */
export function secured(response: Response, api: boolean): Response {
  const extra = api ? { ...SECURITY_HEADERS, "Cache-Control": "no-store" } : SECURITY_HEADERS;
  try {
    for (const [name, value] of Object.entries(extra)) response.headers.set(name, value);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  }
}
