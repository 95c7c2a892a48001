/**
 * The Strata dashboard (Preact + htm, bundled by scripts/build-dashboard.ts): a collection list on the left, and for
 * the chosen collection its config, segments and tiers, WAL backlog and optimizer state, a point browser and a query
 * console that draws what each query cost. State lives in the URL hash (`#/c/{name}/{tab}`), so a reload or a
 * shared link opens the same view.
 */
import { html, render } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { apiKey, call, setApiKey } from './api.js';
import { Overview } from './views/overview.js';
import { PointBrowser } from './views/points.js';
import { QueryConsole } from './views/query.js';

type Tab = 'overview' | 'points' | 'query';
const TABS: { id: Tab; label: string }[] = [
  { id: 'overview', label: 'Segments & config' },
  { id: 'points', label: 'Points' },
  { id: 'query', label: 'Query console' },
];

interface Route {
  collection: string | null;
  tab: Tab;
}

function parseHash(): Route {
  const m = /^#\/c\/([^/]+)(?:\/(overview|points|query))?/.exec(window.location.hash);
  return m
    ? { collection: decodeURIComponent(m[1]), tab: (m[2] as Tab) ?? 'overview' }
    : { collection: null, tab: 'overview' };
}

function go(r: Route): void {
  window.location.hash = r.collection === null ? '' : `#/c/${encodeURIComponent(r.collection)}/${r.tab}`;
}

function App() {
  const [route, setRoute] = useState<Route>(parseHash());
  const [collections, setCollections] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [key, setKey] = useState(apiKey());
  const [version, setVersion] = useState('');

  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);

  const load = () => {
    setError(null);
    call<{ collections: { name: string }[] }>('GET', '/collections')
      .then((a) => setCollections(a.result.collections.map((c) => c.name).sort()))
      .catch((e: Error) => setError(e.message));
    fetch(new URL('../', window.location.href))
      .then((r) => r.json())
      .then((j: { version?: string }) => setVersion(j.version ?? ''))
      .catch(() => {});
  };
  useEffect(load, [key]);

  return html`
    <header class="top">
      <h1>Strata <span class="muted">dashboard${version ? ` · Qdrant API ${version}` : ''}</span></h1>
      <label class="key">
        API key
        <input
          type="password"
          value=${key}
          placeholder="(none)"
          onChange=${(e: Event) => {
            const v = (e.target as HTMLInputElement).value;
            setApiKey(v);
            setKey(v);
          }}
        />
      </label>
    </header>
    <div class="layout">
      <nav class="side">
        <h2>Collections <button class="link" title="reload" onClick=${load}>↻</button></h2>
        ${error ? html`<p class="error">${error}</p>` : null}
        ${collections === null && !error ? html`<p class="muted">loading…</p>` : null}
        ${collections?.length === 0 ? html`<p class="muted">no collections yet</p>` : null}
        <ul class="collections">
          ${(collections ?? []).map(
            (c) => html`<li>
              <a
                href=${`#/c/${encodeURIComponent(c)}/${route.tab}`}
                class=${route.collection === c ? 'active' : ''}
                data-collection=${c}
                >${c}</a
              >
            </li>`,
          )}
        </ul>
      </nav>
      <main>
        ${
          route.collection === null
            ? html`<p class="muted">Choose a collection.</p>`
            : html`
              <h2 class="title">${route.collection}</h2>
              <div class="tabs">
                ${TABS.map(
                  (t) =>
                    html`<button
                      class=${route.tab === t.id ? 'tab active' : 'tab'}
                      data-tab=${t.id}
                      onClick=${() => go({ collection: route.collection, tab: t.id })}
                    >
                      ${t.label}
                    </button>`,
                )}
              </div>
              ${route.tab === 'overview' ? html`<${Overview} key=${route.collection} name=${route.collection} />` : null}
              ${route.tab === 'points' ? html`<${PointBrowser} key=${route.collection} name=${route.collection} />` : null}
              ${route.tab === 'query' ? html`<${QueryConsole} key=${route.collection} name=${route.collection} />` : null}
            `
        }
      </main>
    </div>
  `;
}

const root = document.getElementById('app') as HTMLElement;
// Preact diffs against what the element holds: drop the static "loading" text first
root.textContent = '';
render(html`<${App} />`, root);
