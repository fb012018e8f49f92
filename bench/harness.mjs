// Interleaved comparison on top of mitata's `measure` (warm-up, batching of fast functions, GC
// before each measurement when node runs with --expose-gc). Every task of a group is measured in
// several short rounds, the order rotating each round, so drift (thermal, other processes, JIT
// state) spreads over all tasks alike instead of favouring whichever ran first. Reported per task:
// the median of all samples pooled over the rounds, the p25-p75 of those samples, and the range of
// the per-round medians (how much the figure moved between rounds).
import { measure } from "mitata";

const ms = (ns) => ns / 1e6;

/**
 * tasks: [{ name, fn }] (fn may be async; it must return something derived from its work).
 * Returns [{ name, medianMs, p25Ms, p75Ms, roundMinMs, roundMaxMs, samples }].
 */
export async function compare(tasks, { rounds = 5, budgetMs = 2000, warmupMs = 150 } = {}) {
  // Warm-up: run each task until warmupMs has passed (JIT tiers, inline caches, lazy init).
  for (const task of tasks) {
    const end = performance.now() + warmupMs;
    let n = 0;
    do {
      sink(await task.fn());
      n++;
    } while (performance.now() < end || n < 3);
  }
  const perMeasureNs = (budgetMs * 1e6) / (rounds * tasks.length);
  const pooled = tasks.map(() => []);
  const roundMedians = tasks.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < tasks.length; k++) {
      const i = (k + r) % tasks.length;
      const stats = await measure(tasks[i].fn, { min_cpu_time: perMeasureNs, min_samples: 4, max_samples: 1e6 });
      pooled[i].push(...stats.samples);
      roundMedians[i].push(stats.p50);
    }
  }
  return tasks.map((task, i) => {
    const s = pooled[i].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * (s.length - 1)))];
    return {
      name: task.name,
      medianMs: ms(q(0.5)),
      p25Ms: ms(q(0.25)),
      p75Ms: ms(q(0.75)),
      roundMinMs: ms(Math.min(...roundMedians[i])),
      roundMaxMs: ms(Math.max(...roundMedians[i])),
      samples: s.length,
    };
  });
}

let sinkValue;
function sink(value) {
  sinkValue = value;
}
export const consumed = () => sinkValue;

/** `0.123 ms [0.120-0.127]` */
export function fmt(r) {
  return `${num(r.medianMs)} ms [${num(r.p25Ms)}–${num(r.p75Ms)}]`;
}

export function num(x) {
  if (x === undefined || x === null || Number.isNaN(x)) return "–";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  if (x >= 1) return x.toFixed(2);
  if (x >= 0.1) return x.toFixed(3);
  return x.toFixed(4);
}
