import { targetStateOf } from '#src/connect/target-states';

// Records as a Kafka 3.9 worker wrote them to its config topic in the lab (PUT .../stop, then .../resume).
const record = (key: string, value: string | null) => [Buffer.from(key), value === null ? null : Buffer.from(value)] as const;

describe("Connect's persisted target states", () => {
  it('reads state.v2, which says STOPPED where the v1 field says PAUSED for older workers', () => {
    expect(targetStateOf(...record('target-state-mm2-source-dc1-dc2', '{"state":"PAUSED","state.v2":"STOPPED"}'))).toEqual({ connector: 'mm2-source-dc1-dc2', state: 'STOPPED' });
    expect(targetStateOf(...record('target-state-mm2-source-dc1-dc2', '{"state":"STARTED","state.v2":"STARTED"}'))).toEqual({ connector: 'mm2-source-dc1-dc2', state: 'STARTED' });
  });

  it('reads the v1 field of a record written by a worker older than 3.5', () => {
    expect(targetStateOf(...record('target-state-mm2-source-dc1-dc2', '{"state":"PAUSED"}'))).toEqual({ connector: 'mm2-source-dc1-dc2', state: 'PAUSED' });
  });

  it('takes a tombstone as a deleted connector, and skips the config topic\'s other records', () => {
    expect(targetStateOf(...record('target-state-gone', null))).toEqual({ connector: 'gone', state: null });
    expect(targetStateOf(...record('commit-mm2-source-dc1-dc2', '{"tasks":1}'))).toBeUndefined();
    expect(targetStateOf(...record('connector-mm2-source-dc1-dc2', '{"properties":{}}'))).toBeUndefined();
    expect(targetStateOf(null, Buffer.from('{}'))).toBeUndefined();
  });

  it('says which topic to check when a target state is not JSON', () => {
    expect(() => targetStateOf(...record('target-state-x', 'STOPPED'))).toThrow("the target state of connector x in Connect's config topic is not JSON: is the topic the worker group's config.storage.topic?");
  });
});
