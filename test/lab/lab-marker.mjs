import * as path from 'node:path';

export const labState = () => process.env.LAB_STATE ?? 'lab/.state';

/** Present while the lab was started by this Jest run (and must be stopped by it). */
export const startedMarker = () => path.join(labState(), 'started-by-jest');
