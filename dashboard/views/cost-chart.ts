/**
 * What one query cost, drawn (DESIGN.md §8): on top the path of the query (coordinator → invocations → segments →
 * S3) with the counts on each hop, below a waterfall of the coordinator's stages on one time axis (the fan-out bar
 * shows the slowest worker's own time inside it), then the reads of each side as bars on one byte scale.
 */
import { html } from 'htm/preact';
import { type Cost, formatBytes } from '../api.js';

const W = 720;
const STAGES: { key: keyof Cost['stageMs']; label: string; color: string }[] = [
  { key: 'snapshot', label: 'snapshot (manifest + WAL list)', color: '#7a6fd0' },
  { key: 'tail', label: 'WAL tail search', color: '#c4577a' },
  { key: 'fanOut', label: 'fan-out (segment tasks)', color: '#e08a1e' },
  { key: 'fetch', label: 'fetch (payloads / vectors)', color: '#3b73c4' },
];

const ms = (v: number): string => (v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`);

function Box({
  x,
  y,
  w,
  title,
  lines,
  color,
}: {
  x: number;
  y: number;
  w: number;
  title: string;
  lines: string[];
  color: string;
}) {
  return html`<g>
    <rect x=${x} y=${y} width=${w} height="70" rx="8" fill="#fff" stroke=${color} stroke-width="2" />
    <text x=${x + w / 2} y=${y + 20} text-anchor="middle" class="svg-title">${title}</text>
    ${lines.map((l, i) => html`<text x=${x + w / 2} y=${y + 38 + i * 15} text-anchor="middle" class="svg-label">${l}</text>`)}
  </g>`;
}

function Arrow({ x1, x2, y, label }: { x1: number; x2: number; y: number; label: string }) {
  return html`<g>
    <line x1=${x1} y1=${y} x2=${x2 - 6} y2=${y} stroke="#666" stroke-width="1.5" marker-end="url(#arrow)" />
    <text x=${(x1 + x2) / 2} y=${y - 6} text-anchor="middle" class="svg-small">${label}</text>
  </g>`;
}

export function CostChart({ cost }: { cost: Cost }) {
  const stages = STAGES.map((s) => ({ ...s, value: cost.stageMs[s.key] }));
  const total = Math.max(
    cost.totalMs,
    stages.reduce((n, s) => n + s.value, 0),
    0.001,
  );
  const plotX = 230;
  const plotW = W - plotX - 80;
  const scale = (v: number): number => (v / total) * plotW;
  let at = 0;
  const bytesMax = Math.max(cost.bytes, cost.coordinator.bytes, 1);
  const flowY = 10;
  const waterY = 120;
  const ioY = waterY + 28 * (stages.length + 1) + 30;
  const height = ioY + 2 * 28 + 20;
  return html`<svg class="cost-chart" width=${W} height=${height} role="img" aria-label="query cost" data-testid="cost-chart">
    <defs>
      <marker id="arrow" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
        <path d="M 0 0 L 10 5 L 0 10 z" fill="#666" />
      </marker>
    </defs>
    <${Box} x=${0} y=${flowY} w=${150} title="coordinator" color="#7a6fd0"
      lines=${[`${cost.tailPoints} WAL points scanned`, `${cost.coordinator.gets} GETs · ${formatBytes(cost.coordinator.bytes)}`]} />
    <${Arrow} x1=${150} x2=${200} y=${flowY + 35} label=${`${cost.invocations}×`} />
    <${Box} x=${200} y=${flowY} w=${150} title=${`${cost.invocations} invocation${cost.invocations === 1 ? '' : 's'}`} color="#e08a1e"
      lines=${[`${cost.distances} distances`, `slowest ${ms(cost.stageMs.workerMs)}`]} />
    <${Arrow} x1=${350} x2=${400} y=${flowY + 35} label="" />
    <${Box} x=${400} y=${flowY} w=${140} title=${`${cost.segments} segment${cost.segments === 1 ? '' : 's'}`} color="#2e9d5b"
      lines=${[`${cost.cold} cold`, `${cost.segments - cost.cold} warm`]} />
    <${Arrow} x1=${540} x2=${580} y=${flowY + 35} label="" />
    <${Box} x=${580} y=${flowY} w=${140} title="S3" color="#3b73c4"
      lines=${[`${cost.gets + cost.coordinator.gets} GETs`, `${cost.rounds + cost.coordinator.rounds} rounds`]} />

    <text x="0" y=${waterY - 8} class="svg-title">time per stage (total ${ms(cost.totalMs)})</text>
    ${stages.map((s, i) => {
      const x = plotX + scale(at);
      at += s.value;
      const y = waterY + i * 28;
      return html`<g class="stage" data-stage=${s.key}>
        <text x="0" y=${y + 14} class="svg-label">${s.label}</text>
        <rect x=${x} y=${y} width=${Math.max(1, scale(s.value))} height="18" fill=${s.color} />
        ${
          s.key === 'fanOut' && cost.stageMs.workerMs > 0
            ? html`<rect x=${x} y=${y + 12} width=${Math.max(1, scale(Math.min(cost.stageMs.workerMs, s.value)))} height="6" fill="#8a4d0a"><title>slowest worker</title></rect>`
            : null
        }
        <text x=${x + Math.max(1, scale(s.value)) + 6} y=${y + 14} class="svg-small">${ms(s.value)}</text>
      </g>`;
    })}
    <g>
      <text x="0" y=${waterY + stages.length * 28 + 14} class="svg-label">whole request (server)</text>
      <rect x=${plotX} y=${waterY + stages.length * 28} width=${scale(cost.totalMs)} height="18" fill="#bbb" />
      <text x=${plotX + scale(cost.totalMs) + 6} y=${waterY + stages.length * 28 + 14} class="svg-small">${ms(cost.totalMs)}</text>
    </g>

    <text x="0" y=${ioY - 8} class="svg-title">bytes read from the store</text>
    ${[
      { label: `segment workers (${cost.gets} GETs, ${cost.rounds} rounds)`, bytes: cost.bytes, color: '#e08a1e' },
      {
        label: `coordinator (${cost.coordinator.gets} GETs, ${cost.coordinator.rounds} rounds)`,
        bytes: cost.coordinator.bytes,
        color: '#7a6fd0',
      },
    ].map(
      (r, i) => html`<g>
        <text x="0" y=${ioY + i * 28 + 14} class="svg-label">${r.label}</text>
        <rect x=${plotX} y=${ioY + i * 28} width=${Math.max(1, (r.bytes / bytesMax) * plotW)} height="18" fill=${r.color} />
        <text x=${plotX + Math.max(1, (r.bytes / bytesMax) * plotW) + 6} y=${ioY + i * 28 + 14} class="svg-small">${formatBytes(r.bytes)}</text>
      </g>`,
    )}
  </svg>`;
}
