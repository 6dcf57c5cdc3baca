/**
 * CPU and memory graphs of a pod or a node over the last hour (uPlot), from the history the
 * metrics API keeps (`GET .../pods/<name>?history=true`), refreshed every 15 s while shown —
 * which also keeps the server sampling that node. This module and uPlot are a chunk of their own.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { ApiFailure, getJson } from '../api';

interface WithHistory {
  history?: { timestamps: number[]; cpuNanoCores: number[]; memoryBytes: number[] };
}

const REFRESH_MS = 15_000;

/** The metrics path of a pod (`ns` set) or a node. */
export function metricsPath(name: string, ns?: string): string {
  const base = '/apis/metrics.k8s.io/v1beta1';
  return ns
    ? `${base}/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}?history=true`
    : `${base}/nodes/${encodeURIComponent(name)}?history=true`;
}

function Chart({ title, unit, xs, ys }: { title: string; unit: string; xs: number[]; ys: number[] }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const p = new uPlot(
      {
        title,
        width: Math.max(320, Math.min(640, el.clientWidth || 480)),
        height: 180,
        scales: { x: { time: true } },
        axes: [{}, { label: unit, size: 60 }],
        series: [{}, { label: title, stroke: '#1f6feb', fill: 'rgba(31,111,235,0.12)', width: 1.5 }],
      },
      [[], []],
      el,
    );
    plot.current = p;
    return () => p.destroy();
  }, [title, unit]);
  useEffect(() => plot.current?.setData([xs, ys]), [xs, ys]);
  return html`<div class="chart" ref=${host} data-points=${xs.length}></div>`;
}

export function UsageGraphs({ name, namespace }: { name: string; namespace?: string }) {
  const [data, setData] = useState<WithHistory['history']>(undefined);
  const [state, setState] = useState('loading');
  useEffect(() => {
    const ac = new AbortController();
    const load = () =>
      getJson<WithHistory>(metricsPath(name, namespace), undefined, ac.signal).then(
        (m) => {
          setData(m.history);
          setState('');
        },
        (e: Error) => {
          if (ac.signal.aborted) return;
          setState(e instanceof ApiFailure && e.code === 404 ? 'no figures yet' : e.message);
        },
      );
    void load();
    const timer = setInterval(load, REFRESH_MS);
    return () => {
      ac.abort();
      clearInterval(timer);
    };
  }, [name, namespace]);
  const xs = (data?.timestamps ?? []).map((t) => t / 1000);
  return html`
    <div class="usage">
      ${state ? html`<p class="hint">${state}</p>` : null}
      ${
        data
          ? html`<div class="charts">
              <${Chart} title="CPU" unit="millicores" xs=${xs} ys=${data.cpuNanoCores.map((c) => c / 1e6)} />
              <${Chart} title="Memory" unit="MiB" xs=${xs} ys=${data.memoryBytes.map((m) => m / 1048576)} />
            </div>
            <p class="hint">${xs.length} sample(s), every 15 s while this page is open; the server keeps an hour.</p>`
          : null
      }
    </div>`;
}
