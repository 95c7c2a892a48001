/**
 * One collection at a glance: its config, its segments with each object's tier (RAM / S3 pages / S3) and size drawn
 * as a stacked bar, the WAL backlog and the optimizer's queued, running and recent runs. Refreshes every 5 s while
 * shown, so a seal is seen to happen.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { call, formatBytes } from '../api.js';
import type { CollectionInfo, CollectionLayout, Optimizations, SegmentLayout, Tier } from '../types.js';
import { type ShownSpace, spaceQuantization, vectorSpaces } from '../vector-spaces.js';

export const TIER_COLORS: Record<Tier, string> = { RAM: '#2e9d5b', 'S3 pages': '#e08a1e', S3: '#3b73c4' };

interface State {
  info: CollectionInfo;
  layout: CollectionLayout;
  optimizations: Optimizations;
}

export function Overview({ name }: { name: string }) {
  const [state, setState] = useState<State | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    const c = encodeURIComponent(name);
    const load = () =>
      Promise.all([
        call<CollectionInfo>('GET', `/collections/${c}`),
        call<CollectionLayout>('GET', `/dashboard/api/collections/${c}/layout`),
        call<Optimizations>('GET', `/collections/${c}/optimizations?with=queued,completed&completed_limit=5`),
      ])
        .then(([info, layout, optimizations]) => {
          if (!live) return;
          setState({ info: info.result, layout: layout.result, optimizations: optimizations.result });
          setError(null);
        })
        .catch((e: Error) => live && setError(e.message));
    load();
    const timer = window.setInterval(load, 5000);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [name]);

  if (error) return html`<p class="error">${error}</p>`;
  if (state === null) return html`<p class="muted">loading…</p>`;
  const { info, layout, optimizations } = state;
  const p = info.config.params;
  const q = info.config.quantization_config;
  return html`
    <section class="cards">
      <div class="card"><b>${info.points_count}</b><span>points</span></div>
      <div class="card"><b>${info.segments_count}</b><span>segments</span></div>
      <div class="card"><b class=${`status ${info.status}`}>${info.status}</b><span>status</span></div>
      <div class="card"><b>${layout.backlog.walPoints}</b><span>unsealed WAL points (${layout.backlog.walObjects} objects)</span></div>
      ${(Object.keys(TIER_COLORS) as Tier[]).map(
        (t) =>
          html`<div class="card"><b style=${`color:${TIER_COLORS[t]}`}>${formatBytes(layout.totals[t])}</b><span>in ${t}</span></div>`,
      )}
    </section>
    <section>
      <h3>Config</h3>
      <table class="kv">
        ${vectorSpaces(info).map((s) => html`<${VectorRow} info=${info} s=${s} />`)}
        <tr><th>HNSW</th><td><code>${JSON.stringify(info.config.hnsw_config)}</code></td></tr>
        <tr><th>quantization</th><td><code>${q ? JSON.stringify(q) : 'none'}</code></td></tr>
        <tr><th>payloads</th><td>${p.on_disk_payload === false ? 'kept in RAM (on_disk_payload: false)' : 'read from S3 per query (on_disk_payload: true)'}</td></tr>
        <tr><th>optimizers</th><td><code>${JSON.stringify(info.config.optimizer_config)}</code></td></tr>
        ${info.config.metadata ? html`<tr><th>metadata</th><td><code>${JSON.stringify(info.config.metadata)}</code></td></tr>` : null}
      </table>
    </section>
    <section>
      <h3>Segments</h3>
      <${Legend} />
      ${
        layout.segments.length === 0
          ? html`<p class="muted">No sealed segment yet: every point is still in the WAL (searched exactly by the coordinator).</p>`
          : html`<table class="segments">
            <thead><tr><th>segment</th><th>points</th><th>deleted</th><th>index</th><th>objects by tier</th></tr></thead>
            <tbody>
              ${layout.segments.map((s) => html`<${SegmentRow} s=${s} max=${maxBytes(layout.segments)} />`)}
            </tbody>
          </table>`
      }
    </section>
    <section>
      <h3>WAL and optimizer</h3>
      <p>${`${layout.backlog.walObjects} unsealed WAL objects holding ${layout.backlog.walPoints} points; ${layout.backlog.stale.length} segments built with other parameters (queued for a rebuild).`}</p>
      <table class="kv">
        <tr><th>queued</th><td>${(optimizations.queued ?? []).map((o) => o.optimizer).join(', ') || 'nothing'}</td></tr>
        <tr><th>running</th><td>${optimizations.running.length === 0 ? 'nothing' : optimizations.running.map((r) => r.uuid).join(', ')}</td></tr>
        <tr>
          <th>recent runs</th>
          <td>
            ${
              (optimizations.completed ?? []).length === 0
                ? 'none in this process'
                : (optimizations.completed ?? []).map(
                    (r) =>
                      html`<div>${r.progress.started_at.slice(11, 19)} · ${typeof r.status === 'string' ? r.status : r.status.error} · ${r.progress.duration_sec?.toFixed(2) ?? '…'} s</div>`,
                  )
            }
          </td>
        </tr>
      </table>
    </section>
  `;
}

/**
 * One vector space's row. The unnamed vector's quantization is the collection's (its own row below); a named
 * vector's row says which quantization and HNSW overrides that name searches with, as each name has its own tiers.
 */
function VectorRow({ info, s }: { info: CollectionInfo; s: ShownSpace }) {
  const tiers = `${s.size} dims · ${s.distance} · originals ${s.on_disk ? 'in S3 pages (on_disk)' : 'in RAM'}`;
  if (s.name === '') return html`<tr data-vector=""><th>vectors</th><td>${tiers}</td></tr>`;
  const q = spaceQuantization(info, s);
  const own = s.quantization_config !== undefined ? '' : " (the collection's)";
  return html`<tr data-vector=${s.name}>
    <th>vectors · <code>${s.name}</code></th>
    <td>
      ${tiers} · quantization <code>${q ? JSON.stringify(q) : 'none'}</code>${own}
      ${s.hnsw_config ? html` · HNSW <code>${JSON.stringify(s.hnsw_config)}</code>` : null}
    </td>
  </tr>`;
}

function maxBytes(segments: SegmentLayout[]): number {
  return Math.max(1, ...segments.map((s) => s.objects.reduce((n, o) => n + o.bytes, 0)));
}

function Legend() {
  return html`<div class="legend">
    ${(Object.keys(TIER_COLORS) as Tier[]).map(
      (t) => html`<span><i style=${`background:${TIER_COLORS[t]}`}></i>${t}</span>`,
    )}
  </div>`;
}

function SegmentRow({ s, max }: { s: SegmentLayout; max: number }) {
  const width = 360;
  let x = 0;
  const total = s.objects.reduce((n, o) => n + o.bytes, 0);
  return html`<tr class="segment-row">
    <td><code class="segment-id">${s.id}</code>${s.stale ? html` <span class="badge">stale</span>` : null}</td>
    <td>${s.points - s.deleted}</td>
    <td>${s.deleted}</td>
    <td>${s.indexed ? `HNSW m=${s.build?.m ?? '?'}` : 'scan'}</td>
    <td>
      <svg width=${width + 90} height="22" role="img" aria-label=${`segment ${s.id} objects`}>
        ${s.objects.map((o) => {
          const w = Math.max(1, (o.bytes / max) * width);
          const rect = html`<rect x=${x} y="3" width=${w} height="16" fill=${TIER_COLORS[o.tier]} stroke="#fff">
            <title>${o.name}: ${formatBytes(o.bytes)} in ${o.tier}</title>
          </rect>`;
          x += w;
          return rect;
        })}
        <text x=${x + 6} y="16" class="svg-label">${formatBytes(total)}</text>
      </svg>
      <div class="objects">
        ${s.objects.map((o) => html`<span title=${o.tier}><i style=${`background:${TIER_COLORS[o.tier]}`}></i>${o.name} ${formatBytes(o.bytes)}</span>`)}
      </div>
    </td>
  </tr>`;
}
