// The failover execution's input, checked before anything is touched: a manual execution
// is typed by a person under pressure, so every problem is reported at once, by field.
import * as z from 'zod';
import type { EstateConfig } from '#src/config/schema';
import { flowsOf } from '#src/flow';
import { inputProblems, InvalidWorkflowInput } from '#src/input-problems';

const inputSchema = z
  .object({
    flow: z.string().regex(/^[a-z][a-z0-9-]*->[a-z][a-z0-9-]*$/, 'a flow such as "dc1->dc2" (source->target)'),
    mode: z.enum(['planned', 'unplanned']).describe('planned: the source is up and producers have stopped; unplanned: the source is gone'),
    dryRun: z.boolean().default(false),
    reason: z.string().trim().min(1, 'say why (it goes into the report and the notification)').max(1024),
    force: z.boolean().default(false).describe('repoint DNS even when offset sync failed'),
    trigger: z.object({ alarmName: z.string().min(1), stateChangedAt: z.string().min(1), eventId: z.string().min(1) }).strict().optional(),
    scheduled: z.boolean().default(false).describe("the scheduled readiness check (failover.readiness): its outcome is the flow's FailoverReady metric"),
  })
  .strict()
  .refine((input) => !input.scheduled || input.dryRun, { path: ['scheduled'], message: 'a scheduled readiness check is a dry run: set dryRun true' });

export type FailoverInput = z.infer<typeof inputSchema>;

/** The validated input plus what the workflow derives from it; every step receives it. */
export interface FailoverRequest extends FailoverInput {
  source: string;
  target: string;
  executionName: string;
  startedAt: string;
}

export class InvalidFailoverInput extends InvalidWorkflowInput {
  constructor(problems: string[]) {
    super('failover', 'InvalidFailoverInput', problems);
  }
}

export function parseFailoverRequest(raw: unknown, config: EstateConfig, execution: { name: string; startedAt: string }): FailoverRequest {
  const parsed = inputSchema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidFailoverInput(inputProblems(parsed.error));
  }
  const input = parsed.data;
  const flows = flowsOf(config);
  const flow = flows.find((f) => f.name === input.flow);
  if (!flow) {
    const [source, target] = input.flow.split('->');
    const reverse = flows.some((f) => f.source === target && f.target === source);
    const hint = reverse
      ? ` To fail back, set up reverse replication first: MM2 connectors ${input.flow} on a Connect cluster near ${target}, then add the flow to the estate file and redeploy.`
      : '';
    throw new InvalidFailoverInput([`flow: unknown flow "${input.flow}": the estate has ${flows.map((f) => f.name).join(', ')}.${hint}`]);
  }
  return { ...input, source: flow.source, target: flow.target, executionName: execution.name, startedAt: execution.startedAt };
}
