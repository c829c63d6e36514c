/**
 * The machine's own jitter: the same few milliseconds of CPU work, no allocation and no I/O, timed again and
 * again on the server's core. Whatever a latency scenario's p99 is, a machine that stretches identical work
 * this much cannot do better; printed beside the list-page and group PATCH figures, it tells Roster's tail from
 * the machine's. Prints one line of JSON: the unit's target length, and p50, p99 and max of the units measured.
 *
 *   node jitter.js UNIT_MS UNITS
 */
const unitMs = Number(process.argv[2] ?? 5);
const units = Number(process.argv[3] ?? 1000);

let state = 1;
/** A linear congruential step, `steps` times: pure integer work the optimiser cannot drop (the state is printed). */
function spin(steps: number): void {
  let x = state;
  for (let i = 0; i < steps; i++) x = (x * 1103515245 + 12345) | 0;
  state = x;
}

// Calibrate: how many steps make one unit, from the fastest of a few trial runs (the machine at its best).
spin(1_000_000);
let best = Infinity;
for (let i = 0; i < 20; i++) {
  const started = performance.now();
  spin(200_000);
  best = Math.min(best, performance.now() - started);
}
const steps = Math.round((200_000 * unitMs) / best);

const times: number[] = [];
for (let i = 0; i < units; i++) {
  const started = performance.now();
  spin(steps);
  times.push(performance.now() - started);
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
process.stdout.write(`${JSON.stringify({ unitMs, units, p50: at(0.5), p99: at(0.99), max: times[times.length - 1], state })}\n`);
