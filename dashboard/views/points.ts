/**
 * The point browser: Qdrant's scroll with a filter typed as JSON (Qdrant's filter syntax), a page at a time, and the
 * total the filter matches (count).
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.js';
import type { PointRecord } from '../types.js';

interface Page {
  points: PointRecord[];
  next_page_offset: number | string | null;
}

export function PointBrowser({ name }: { name: string }) {
  const [filter, setFilter] = useState('');
  const [limit, setLimit] = useState(20);
  const [page, setPage] = useState<Page | null>(null);
  const [offsets, setOffsets] = useState<(number | string | null)[]>([null]);
  const [count, setCount] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async (offset: number | string | null, history: (number | string | null)[]) => {
    setError(null);
    let parsed: unknown;
    try {
      parsed = filter.trim() === '' ? undefined : JSON.parse(filter);
    } catch (e) {
      setError(`filter is not JSON: ${(e as Error).message}`);
      return;
    }
    const c = encodeURIComponent(name);
    try {
      const [scroll, counted] = await Promise.all([
        call<Page>('POST', `/collections/${c}/points/scroll`, {
          limit,
          with_payload: true,
          ...(parsed !== undefined ? { filter: parsed } : {}),
          ...(offset !== null ? { offset } : {}),
        }),
        call<{ count: number }>('POST', `/collections/${c}/points/count`, {
          exact: true,
          ...(parsed !== undefined ? { filter: parsed } : {}),
        }),
      ]);
      setPage(scroll.result);
      setCount(counted.result.count);
      setOffsets(history);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => {
    load(null, [null]);
  }, [name]);

  return html`
    <section class="browser">
      <div class="row">
        <textarea
          class="filter"
          rows="3"
          placeholder='filter, e.g. {"must": [{"key": "city", "match": {"value": "Berlin"}}]}'
          value=${filter}
          onInput=${(e: Event) => setFilter((e.target as HTMLTextAreaElement).value)}
        ></textarea>
        <div class="controls">
          <label>limit <input type="number" min="1" max="1000" value=${limit} onInput=${(e: Event) => setLimit(Number((e.target as HTMLInputElement).value) || 20)} /></label>
          <button class="primary" data-action="scroll" onClick=${() => load(null, [null])}>Apply filter</button>
        </div>
      </div>
      ${error ? html`<p class="error">${error}</p>` : null}
      ${
        page
          ? html`
            <p class="muted">${count} points match · page ${offsets.length}</p>
            <table class="points">
              <thead><tr><th>id</th><th>payload</th></tr></thead>
              <tbody>
                ${page.points.map((p) => html`<tr><td><code>${String(p.id)}</code></td><td><code class="json">${JSON.stringify(p.payload)}</code></td></tr>`)}
              </tbody>
            </table>
            <div class="pager">
              <button disabled=${offsets.length <= 1} onClick=${() => load(offsets[offsets.length - 2], offsets.slice(0, -1))}>← previous</button>
              <button
                disabled=${page.next_page_offset === null}
                onClick=${() => load(page.next_page_offset, [...offsets, page.next_page_offset])}
              >
                next →
              </button>
            </div>
          `
          : null
      }
    </section>
  `;
}
