// Waiting for a cluster that may never answer: a client of a vanished cluster keeps retrying
// (each connection attempt waits its timeout when packets are dropped), so callers with a
// budget race it against a deadline instead of trusting the client's own.

export const LATE = Symbol('late');

/** The outcome of `work`, or LATE if it has not settled by `deadline` (epoch ms). */
export async function byDeadline<T>(work: Promise<T>, deadline: number, now: () => number = Date.now): Promise<T | typeof LATE> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(() => resolve(LATE), Math.max(0, deadline - now()));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
