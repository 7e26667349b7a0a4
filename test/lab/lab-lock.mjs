// Lab files that measure time run alone: with a second lab worker on the same two cores, the
// unplanned failover's 5 s goal measured 6 s. A reader-writer lock across the Jest workers
// (processes): every lab file holds it shared, a file whose docblock says @lab-alone holds it
// exclusively, and a waiting exclusive holder keeps new shared holders out.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const POLL_MS = 250;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

export class LabLock {
  constructor(dir) {
    this.dir = dir;
    this.exclusive = path.join(dir, 'exclusive');
    this.shared = path.join(dir, `shared-${process.pid}`);
  }

  /** Clears what a run that died left behind (global setup, before any worker starts). */
  reset() {
    rmSync(this.dir, { recursive: true, force: true });
  }

  async acquireShared() {
    mkdirSync(this.dir, { recursive: true });
    for (;;) {
      // Announce, then look again: an exclusive holder that came in between sees us or we see it.
      if (this.exclusiveHolder() === undefined) {
        writeFileSync(this.shared, '');
        if (this.exclusiveHolder() === undefined) return;
        rmSync(this.shared, { force: true });
      }
      await sleep(POLL_MS);
    }
  }

  async acquireExclusive() {
    mkdirSync(this.dir, { recursive: true });
    for (;;) {
      try {
        mkdirSync(this.exclusive);
        writeFileSync(path.join(this.exclusive, 'pid'), String(process.pid));
        break;
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
        this.exclusiveHolder(); // clears a dead holder's
        await sleep(POLL_MS);
      }
    }
    while (this.otherSharedHolders() > 0) await sleep(POLL_MS);
  }

  release() {
    rmSync(this.shared, { force: true });
    if (this.exclusiveHolder() === process.pid) rmSync(this.exclusive, { recursive: true, force: true });
  }

  /** The exclusive holder's pid (-1 while it is writing it), or undefined; a dead holder's lock is cleared. */
  exclusiveHolder() {
    if (!existsSync(this.exclusive)) return undefined;
    let pid;
    try {
      pid = Number(readFileSync(path.join(this.exclusive, 'pid'), 'utf8'));
    } catch {
      return -1;
    }
    if (alive(pid)) return pid;
    rmSync(this.exclusive, { recursive: true, force: true });
    return undefined;
  }

  otherSharedHolders() {
    let count = 0;
    for (const entry of readdirSync(this.dir)) {
      if (!entry.startsWith('shared-')) continue;
      const pid = Number(entry.slice('shared-'.length));
      if (pid === process.pid) continue;
      if (alive(pid)) count++;
      else rmSync(path.join(this.dir, entry), { force: true });
    }
    return count;
  }
}
