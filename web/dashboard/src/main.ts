/**
 * The dashboard's entry: restores the session (or redeems a one-time login code from the link
 * `flotilla up` printed), then shows the login view or the app. Everything a user of the cluster
 * wrote (names, labels, data, events, logs) is rendered as text by Preact: this code never builds
 * markup from strings and never sets innerHTML.
 */
import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { forgetAccess } from './access';
import { dashboardCall, setSession } from './api';
import { Layout } from './views/layout';
import { Login, type SessionInfo } from './views/login';

function App() {
  const [session, setSessionInfo] = useState<SessionInfo | null | undefined>(undefined);
  const [error, setError] = useState('');

  const loggedIn = (s: SessionInfo) => {
    // Answers about what the previous user may do are not this user's.
    forgetAccess();
    setSession(s.csrfToken, () => setSessionInfo(null));
    setSessionInfo(s);
  };

  useEffect(() => {
    const code = /^#code=([A-Za-z0-9_-]+)$/.exec(location.hash)?.[1];
    if (code) {
      // The code is single-use; it leaves the address bar and the history at once.
      history.replaceState(null, '', `${location.pathname}#/`);
      dashboardCall<SessionInfo>('/login', 'POST', { code }).then(loggedIn, (err: Error) => {
        setError(`The login link did not work: ${err.message}`);
        setSessionInfo(null);
      });
      return;
    }
    dashboardCall<SessionInfo>('/session', 'GET').then(loggedIn, () => setSessionInfo(null));
  }, []);

  if (session === undefined) return html`<p class="loading">Loading…</p>`;
  if (session === null) return html`<${Login} onLogin=${loggedIn} initialError=${error} />`;
  const logout = async () => {
    await dashboardCall('/logout', 'POST').catch(() => undefined);
    setSession('');
    setSessionInfo(null);
  };
  return html`<${Layout} user=${session.user} onLogout=${logout} />`;
}

const root = document.getElementById('app');
if (root) render(html`<${App} />`, root);
