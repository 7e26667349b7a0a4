// The failover execution input: every problem reported at once, by field, before anything
// is touched; an unknown flow names the flows there are and, for a missing reverse flow,
// what to set up.
import { loadEstateConfigFile } from '#src/config/load';
import { InvalidFailoverInput, parseFailoverRequest } from '#src/failover/request';

const config = loadEstateConfigFile('config/estate.example.yaml');
const execution = { name: 'rehearsal-1', startedAt: '2026-11-28T01:00:00.000Z' };

function problems(input: unknown): string[] {
  try {
    parseFailoverRequest(input, config, execution);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidFailoverInput);
    return (err as InvalidFailoverInput).problems;
  }
  throw new Error('the input was accepted');
}

it('accepts a planned switchover and derives source, target and the execution', () => {
  expect(parseFailoverRequest({ flow: 'dc1->dc2', mode: 'planned', reason: 'rehearsal' }, config, execution)).toEqual({
    flow: 'dc1->dc2',
    mode: 'planned',
    dryRun: false,
    force: false,
    reason: 'rehearsal',
    scheduled: false,
    source: 'dc1',
    target: 'dc2',
    executionName: 'rehearsal-1',
    startedAt: '2026-11-28T01:00:00.000Z',
  });
});

it('lists every bad field at once', () => {
  expect(problems({ flow: 'dc1 to dc2', mode: 'quick', dryRun: 'yes', reason: ' ', extra: 1 })).toEqual([
    expect.stringMatching(/^flow: a flow such as "dc1->dc2"/),
    expect.stringMatching(/^mode: /),
    expect.stringMatching(/^dryRun: /),
    expect.stringMatching(/^reason: say why/),
    expect.stringMatching(/^input: .*extra/),
  ]);
});

it('refuses a scheduled readiness check that is not a dry run', () => {
  expect(problems({ flow: 'dc1->dc2', mode: 'unplanned', reason: 'readiness', scheduled: true })).toEqual(['scheduled: a scheduled readiness check is a dry run: set dryRun true']);
});

it('refuses input that is not an object', () => {
  expect(problems('dc1->dc2')).toEqual([expect.stringMatching(/^input: /)]);
});

it('names the configured flows for an unknown one, and says to set up the reverse flow for a failback', () => {
  const [unknown] = problems({ flow: 'dc1->dc3', mode: 'planned', reason: 'x' });
  expect(unknown).toContain('the estate has dc1->dc2');
  const single = { ...config, flows: config.flows.filter((f) => f.source === 'dc1') };
  try {
    parseFailoverRequest({ flow: 'dc2->dc1', mode: 'planned', reason: 'failback' }, single, execution);
    throw new Error('accepted');
  } catch (err) {
    expect((err as Error).message).toMatch(/To fail back, set up reverse replication first: MM2 connectors dc2->dc1/);
  }
});
