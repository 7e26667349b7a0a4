// An execution's steps as they happen, on stderr (stdout stays the result, JSON with --json).
// A state entered again and again (the drain loop, a backup's Copy per batch) gets one line
// per five seconds, with how many times it ran.
import type { StepEvent } from './control-plane';

const REPEAT_LINE_MS = 5000;

export function stepPrinter(write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): (step: StepEvent) => void {
  const entered = new Map<string, number>();
  const runs = new Map<string, number>();
  const lastLine = new Map<string, number>();
  const failing = new Map<string, string>();
  return (step) => {
    const took = () => ((step.at - (entered.get(step.state) ?? step.at)) / 1000).toFixed(1);
    switch (step.event) {
      case 'entered':
        entered.set(step.state, step.at);
        failing.delete(step.state);
        if (!runs.has(step.state)) write(`  ... ${step.state}`);
        return;
      case 'failed':
        failing.set(step.state, step.error ?? 'error');
        return;
      case 'retried':
        write(`  ... ${step.state} retrying after ${failing.get(step.state) ?? 'an error'}`);
        failing.delete(step.state);
        return;
    }
    const error = failing.get(step.state);
    if (error !== undefined) {
      write(`  FAILED ${step.state} after ${took()} s: ${error}`);
      return;
    }
    const count = (runs.get(step.state) ?? 0) + 1;
    runs.set(step.state, count);
    if (count > 1 && step.at - (lastLine.get(step.state) ?? 0) < REPEAT_LINE_MS) return;
    lastLine.set(step.state, step.at);
    write(`  ok  ${step.state} ${took()} s${count > 1 ? ` (run ${count} times)` : ''}`);
  };
}
