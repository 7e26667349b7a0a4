// What the drill shows while it runs: a live block (probe readings, alarm states) redrawn
// in place on a terminal, and timeline events printed once. Without a TTY (CI, a pipe) the
// live block becomes a plain line whenever it changes, at most every few seconds.
import { createLogUpdate } from 'log-update';

export interface Display {
  /** Replaces the live block. */
  live(lines: string[]): void;
  /** Prints a line that stays (a timeline event). */
  event(line: string): void;
  /** Leaves the live block as it is and stops redrawing. */
  done(): void;
}

const PLAIN_EVERY_MS = 5000;

export function display(stream: NodeJS.WriteStream = process.stdout, started = Date.now()): Display {
  const stamp = () => `[${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s]`;
  if (stream.isTTY) {
    const update = createLogUpdate(stream);
    let block: string[] = [];
    return {
      live(lines) {
        block = lines;
        update(lines.join('\n'));
      },
      event(line) {
        update.clear();
        stream.write(`${stamp()} ${line}\n`);
        update(block.join('\n'));
      },
      done: () => update.done(),
    };
  }
  let last = '';
  let printedAt = 0;
  return {
    live(lines) {
      const text = lines.join(' | ');
      if (text === last || Date.now() - printedAt < PLAIN_EVERY_MS) return;
      last = text;
      printedAt = Date.now();
      stream.write(`${stamp()} ${text}\n`);
    },
    event: (line) => void stream.write(`${stamp()} ${line}\n`),
    done: () => undefined,
  };
}

/** The drill's timeline: when it started, and each milestone marked (recorded and shown as an event). */
export function drillTimeline(show: Display): { startedAt: Date; timeline: Record<string, string>; mark: (what: string, line: string) => void } {
  const startedAt = new Date();
  const timeline: Record<string, string> = { started: startedAt.toISOString() };
  const mark = (what: string, line: string) => {
    timeline[what] = new Date().toISOString();
    show.event(line);
  };
  return { startedAt, timeline, mark };
}
