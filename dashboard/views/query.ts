/**
 * The query console: a `points/query` body typed as JSON (prefilled with a random vector of the collection's size;
 * for named vectors, of the size of the name chosen in the `using` selector, which the body then names), sent with `strata-debug: cost`, its answer listed and what it cost drawn (cost-chart.ts). The last queries stay
 * listed with their cost so runs can be compared (cold then warm, rescore on and off).
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { type Cost, call } from '../api.js';
import type { CollectionInfo, PointRecord } from '../types.js';
import { type ShownSpace, vectorSpaces } from '../vector-spaces.js';
import { CostChart } from './cost-chart.js';

interface Run {
  n: number;
  points: PointRecord[];
  cost: Cost | null;
  elapsedMs: number;
}

/** `space` "" is the unnamed vector: the body then has no `using`, as Qdrant's default vector needs none. */
function exampleBody(space: ShownSpace): string {
  const v = Array.from({ length: space.size }, () => Number((Math.random() * 2 - 1).toFixed(3)));
  const body = { query: v, ...(space.name !== '' ? { using: space.name } : {}), limit: 10, with_payload: true };
  return JSON.stringify(body, null, 1).replace(/\n\s+(-?[\d.]+)/g, ' $1');
}

export function QueryConsole({ name }: { name: string }) {
  const [body, setBody] = useState('');
  const [spaces, setSpaces] = useState<ShownSpace[]>([]);
  const [using, setUsing] = useState('');
  const [runs, setRuns] = useState<Run[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const c = encodeURIComponent(name);

  useEffect(() => {
    call<CollectionInfo>('GET', `/collections/${c}`)
      .then((a) => {
        const all = vectorSpaces(a.result);
        setSpaces(all);
        setUsing(all[0]?.name ?? '');
        if (all.length > 0) setBody(exampleBody(all[0]));
      })
      .catch((e: Error) => setError(e.message));
  }, [name]);

  const run = async () => {
    setError(null);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (e) {
      setError(`the body is not JSON: ${(e as Error).message}`);
      return;
    }
    setBusy(true);
    try {
      const a = await call<{ points: PointRecord[] }>('POST', `/collections/${c}/points/query`, parsed, { cost: true });
      setRuns((rs) =>
        [{ n: (rs[0]?.n ?? 0) + 1, points: a.result.points, cost: a.cost, elapsedMs: a.elapsedMs }, ...rs].slice(0, 10),
      );
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const space = spaces.find((s) => s.name === using);
  const choose = (name: string) => {
    setUsing(name);
    const s = spaces.find((x) => x.name === name);
    if (s) setBody(exampleBody(s));
  };
  const last = runs[0];
  return html`
    <section class="console">
      <div class="row">
        <textarea class="query" rows="7" spellcheck="false" value=${body} onInput=${(e: Event) => setBody((e.target as HTMLTextAreaElement).value)}></textarea>
        <div class="controls">
          <button class="primary" data-action="run-query" disabled=${busy} onClick=${run}>${busy ? 'Running…' : 'Run query'}</button>
          ${
            spaces.length > 0 && spaces[0].name !== ''
              ? html`<label class="using">using
                  <select data-action="using" value=${using} onChange=${(e: Event) => choose((e.target as HTMLSelectElement).value)}>
                    ${spaces.map((s) => html`<option value=${s.name}>${s.name} (${s.size} · ${s.distance})</option>`)}
                  </select>
                </label>`
              : null
          }
          <button data-action="new-vector" disabled=${!space} onClick=${() => space && setBody(exampleBody(space))}>New random vector</button>
        </div>
      </div>
      ${error ? html`<p class="error">${error}</p>` : null}
      ${
        last
          ? html`
            <h3>Query #${last.n}: ${last.points.length} points · ${last.elapsedMs.toFixed(1)} ms round trip</h3>
            ${last.cost ? html`<${CostChart} cost=${last.cost} />` : html`<p class="muted">the server sent no cost header</p>`}
            <table class="points results">
              <thead><tr><th>#</th><th>id</th><th>score</th><th>payload</th></tr></thead>
              <tbody>
                ${last.points.map(
                  (p, i) =>
                    html`<tr><td>${i + 1}</td><td><code>${String(p.id)}</code></td><td>${p.score?.toFixed(4)}</td><td><code class="json">${JSON.stringify(p.payload)}</code></td></tr>`,
                )}
              </tbody>
            </table>
          `
          : null
      }
      ${
        runs.length > 1
          ? html`<h3>Earlier queries</h3>
            <table class="history">
              <thead><tr><th>#</th><th>server ms</th><th>invocations</th><th>segments (cold)</th><th>GETs</th><th>bytes</th><th>rounds</th></tr></thead>
              <tbody>
                ${runs.map(
                  (r) => html`<tr>
                    <td>${r.n}</td>
                    <td>${r.cost?.totalMs.toFixed(1)}</td>
                    <td>${r.cost?.invocations}</td>
                    <td>${r.cost?.segments} (${r.cost?.cold})</td>
                    <td>${r.cost ? r.cost.gets + r.cost.coordinator.gets : ''}</td>
                    <td>${r.cost ? r.cost.bytes + r.cost.coordinator.bytes : ''}</td>
                    <td>${r.cost ? r.cost.rounds + r.cost.coordinator.rounds : ''}</td>
                  </tr>`,
                )}
              </tbody>
            </table>`
          : null
      }
    </section>
  `;
}
