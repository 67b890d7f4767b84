import { type FormEvent, useState } from "react";
import { ApiError, api } from "../lib/api";
import { adminSession } from "../lib/session";

/** The admin token of the private API, checked once and kept for this browser session only. */
export function LoginPage({ onLogin }: { onLogin: () => void }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api("/api/v1/status", { token: token.trim() });
      adminSession.save(token.trim());
      onLogin();
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? "That token was refused. Use the private API's admin token."
          : `Cannot reach the private API: ${e instanceof Error ? e.message : String(e)}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <form className="login-card" onSubmit={submit}>
        <div className="brand brand-large">
          <span className="brand-mark">T</span>
          <div>
            <strong>Tracardi</strong>
            <small>console</small>
          </div>
        </div>
        <label className="field">
          <span>Admin token</span>
          <input
            name="token"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder="TRACARDI_ADMIN_TOKEN"
            required
          />
        </label>
        <p className="muted small">
          The standalone runtime keeps it in <code>tracardi-data/admin-token</code> (<code>make start</code>{" "}
          says where). It stays in this browser tab only.
        </p>
        {error && (
          <p className="error-note" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || token.trim() === ""}>
          {busy ? "Checking…" : "Log in"}
        </button>
      </form>
    </div>
  );
}
