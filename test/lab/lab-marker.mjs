import * as path from 'node:path';

/** The first lab's state directory: LAB_STATE as given, else lab/.state. */
const firstLab = () => process.env.KAFKA_DR_FIRST_LAB_STATE ?? process.env.LAB_STATE ?? 'lab/.state';

/**
 * Jest worker k (1-based) runs its files on a lab of its own: worker 1 on the first lab,
 * worker k on the first lab's directory suffixed -k. Its own ports, clusters, MM2 and
 * emulator: files on different workers cannot disturb each other.
 */
export const labStateOf = (worker) => (worker <= 1 ? firstLab() : `${firstLab()}-${worker}`);

/** The labs a run with `maxWorkers` workers uses: one per worker (1 when run in band). */
export const labStates = (maxWorkers) => Array.from({ length: Math.max(1, maxWorkers ?? 1) }, (_, i) => labStateOf(i + 1));

/** Present while the lab in `state` was started by this Jest run (and must be stopped by it). */
export const startedMarker = (state) => path.join(state, 'started-by-jest');
