// The liveness probe as its EventBridge schedule runs it, on the lab: the function's bundle
// invoked for the flow once a minute, each run sampling for its minute and one sample into
// the next (so consecutive runs overlap, as in AWS). The drill and the lab tests run it so
// that the alarms are evaluated on what a deployment would publish.
import { LIVENESS_SCHEDULE_SECONDS } from '#src/probes/liveness-cadence';

export interface LivenessSchedule {
  /** Runs started so far. */
  readonly runs: number;
  /** Starts no further run; resolves once the runs under way have ended. */
  stop(): Promise<void>;
}

/** Starts the first run now. `onError` hears of a run that failed (the schedule goes on, as EventBridge's would). */
export function scheduleLiveness(invoke: (event: { flow: string }) => Promise<unknown>, flow: string, onError: (err: Error) => void): LivenessSchedule {
  const running = new Set<Promise<void>>();
  let runs = 0;
  const start = () => {
    runs++;
    const run = invoke({ flow })
      .then(() => undefined, onError)
      .finally(() => running.delete(run));
    running.add(run);
  };
  start();
  const timer = setInterval(start, LIVENESS_SCHEDULE_SECONDS * 1000);
  return {
    get runs() {
      return runs;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(running);
    },
  };
}
