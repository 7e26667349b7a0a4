// The restore execution's input, checked before anything is touched: it is typed by a
// person in the middle of an incident, so every problem is reported at once, by field.
// What the request says about the backup itself (the topics it holds) is checked by the
// plan against the manifest.
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { EstateConfig } from '#src/config/schema';
import { backupIdSchema } from './manifest';
import { inputProblems, InvalidWorkflowInput } from '#src/input-problems';

/** Kafka's rule for topic names (kafka.common.internals.Topic). */
const topicName = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name: 1 to 249 of letters, digits, ".", "_" and "-"')
  .refine((name) => name !== '.' && name !== '..', 'a Kafka topic name cannot be "." or ".."');

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;
const POINT_IN_TIME_HINT =
  'an ISO-8601 date-time with a zone and at most millisecond precision (2026-11-28T03:15:00.123Z, 2026-11-28T04:15:00.123+01:00) or epoch milliseconds';

/** Epoch milliseconds of an ISO-8601 date-time, or undefined when it is not a real one (Date.parse takes 30 February). */
function isoMillis(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

const pointInTime = z.unknown().transform((value, ctx): number => {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  const ms = typeof value === 'string' ? isoMillis(value) : undefined;
  if (ms !== undefined) return ms;
  ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not ${POINT_IN_TIME_HINT}` });
  return z.NEVER;
});

const inputSchema = z
  .object({
    backupId: backupIdSchema,
    targetCluster: z.string().min(1),
    topics: z.array(topicName).min(1, 'name at least one backed-up topic to restore'),
    rename: z.record(z.string(), topicName).default({}).describe('backed-up topic -> topic to restore it as'),
    pointInTime: pointInTime.optional().describe('restore only records with a timestamp at or before it (inclusive)'),
    restoreConsumerOffsets: z.boolean(),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .superRefine((input, ctx) => {
    input.topics.forEach((topic, i) => {
      if (input.topics.indexOf(topic) !== i) ctx.addIssue({ code: 'custom', path: ['topics', i], message: `"${topic}" is listed twice` });
    });
    for (const from of Object.keys(input.rename)) {
      if (!input.topics.includes(from)) ctx.addIssue({ code: 'custom', path: ['rename', from], message: `"${from}" is not among the topics to restore (${input.topics.join(', ')})` });
    }
    const into = new Map<string, string[]>();
    for (const topic of new Set(input.topics)) {
      const target = input.rename[topic] ?? topic;
      into.set(target, [...(into.get(target) ?? []), topic]);
    }
    for (const [target, sources] of into) {
      if (sources.length < 2) continue;
      for (const topic of sources.filter((t) => input.rename[t] !== undefined)) {
        ctx.addIssue({ code: 'custom', path: ['rename', topic], message: `"${sources.join('" and "')}" would all be restored into "${target}"` });
      }
    }
  });

/** The validated request: topics sorted, renames only where the name changes, pointInTime in epoch ms (null: everything). */
export interface RestoreRequest {
  backupId: string;
  targetCluster: string;
  topics: string[];
  rename: Record<string, string>;
  pointInTime: number | null;
  restoreConsumerOffsets: boolean;
  dryRun: boolean;
}

export class InvalidRestoreInput extends InvalidWorkflowInput {
  constructor(problems: string[]) {
    super('restore', 'InvalidRestoreInput', problems);
  }
}

/** A restore that must not go ahead as asked (it would mix data or restore nothing): what and what to do instead. */
export class RestoreRefused extends Error {
  constructor(problems: string[]) {
    super(`restore refused, nothing was changed: ${problems.join('; ')}`);
    this.name = 'RestoreRefused';
  }
}

export function parseRestoreRequest(raw: unknown, config: EstateConfig): RestoreRequest {
  const parsed = inputSchema.safeParse(raw);
  if (!parsed.success) throw new InvalidRestoreInput(inputProblems(parsed.error));
  const input = parsed.data;
  if (!config.clusters.some((c) => c.name === input.targetCluster)) {
    throw new RestoreRefused([`targetCluster: unknown cluster "${input.targetCluster}": the estate has ${config.clusters.map((c) => c.name).join(', ')}`]);
  }
  const rename = Object.fromEntries(Object.entries(input.rename).filter(([from, to]) => from !== to).sort(([a], [b]) => a.localeCompare(b)));
  return { ...input, topics: [...input.topics].sort(), rename, pointInTime: input.pointInTime ?? null };
}

/** The topic a backed-up topic is restored into. */
export function targetTopic(request: Pick<RestoreRequest, 'rename'>, topic: string): string {
  return request.rename[topic] ?? topic;
}

/** Names the restore by what it restores (not by dryRun): re-running the same input continues the same restore. */
export function restoreIdOf(request: RestoreRequest): string {
  const { backupId, targetCluster, topics, rename, pointInTime, restoreConsumerOffsets } = request;
  const normalized = JSON.stringify({ backupId, targetCluster, topics, rename, pointInTime, restoreConsumerOffsets });
  return `${backupId}-${createHash('sha256').update(normalized).digest('hex').slice(0, 12)}`;
}
