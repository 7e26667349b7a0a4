import * as path from 'node:path';

/** Present while the lab was started by this Jest run (and must be stopped by it). */
export const startedMarker = () => path.join(process.env.LAB_STATE ?? 'lab/.state', 'started-by-jest');
