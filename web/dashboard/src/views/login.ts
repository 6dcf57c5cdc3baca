/** Login with a bearer token or a kubeconfig (its current user's token or client certificate). */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { dashboardCall } from '../api';

export interface SessionInfo {
  user: { name: string; groups: string[] };
  csrfToken: string;
}

export function Login({ onLogin, initialError }: { onLogin: (s: SessionInfo) => void; initialError?: string }) {
  const [mode, setMode] = useState<'token' | 'kubeconfig'>('token');
  const [value, setValue] = useState('');
  const [error, setError] = useState(initialError ?? '');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onLogin(await dashboardCall<SessionInfo>('/login', 'POST', { [mode]: value }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const readFile = async (e: Event) => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (file) setValue(await file.text());
  };

  return html`
    <main class="login">
      <h1>Flotilla</h1>
      <form onSubmit=${submit} aria-label="Log in">
        <fieldset class="modes">
          <legend>Log in with</legend>
          <label><input type="radio" name="mode" checked=${mode === 'token'} onChange=${() => setMode('token')} /> Bearer token</label>
          <label><input type="radio" name="mode" checked=${mode === 'kubeconfig'} onChange=${() => setMode('kubeconfig')} /> Kubeconfig</label>
        </fieldset>
        ${
          mode === 'token'
            ? html`<label for="token">Token</label>
                <input id="token" type="password" autocomplete="off" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLInputElement).value)} />`
            : html`<label for="kubeconfig">Kubeconfig (a token, or client-certificate-data and client-key-data)</label>
                <textarea id="kubeconfig" rows="8" spellcheck="false" value=${value} onInput=${(e: Event) => setValue((e.target as HTMLTextAreaElement).value)}></textarea>
                <input type="file" aria-label="Kubeconfig file" onChange=${readFile} />`
        }
        <button type="submit" disabled=${busy || value.trim() === ''}>Log in</button>
        ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      </form>
      <p class="hint">Your credential stays on the server; this browser keeps only a session cookie.</p>
    </main>`;
}
