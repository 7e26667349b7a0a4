// The local runner's Distributed Map (lab/distributed-map.ts): what it refuses to run rather
// than run differently from Step Functions, and the Task bounds it gives as Step Functions does.
// Its runs are tested in the lab (test/lab/backup-wide.test.ts, restore.test.ts).
import { describe, expect, it } from '@jest/globals';
import { standIn, UNBOUNDED_TASK_SECONDS, unsupportedMapFields, withTaskTimeouts } from '../../lab/distributed-map';

const map = {
  Type: 'Map',
  ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', 'Key.$': '$.key' } },
  ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Copy', States: { Copy: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:1:function:f', End: true } } },
  ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: 'b', 'Prefix.$': '$.results' } },
  ResultPath: null,
  Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
  Next: 'Finish',
};

describe('the local Distributed Map', () => {
  it('runs what the kafka-dr workflows use: a JSON list from S3, an item selector, results to S3', () => {
    expect(unsupportedMapFields('CopyPartitions', map)).toEqual([]);
    expect(unsupportedMapFields('CopyPartitions', { ...map, ItemReader: { ...map.ItemReader, ReaderConfig: { InputType: 'JSONL', MaxItems: 10 } } })).toEqual([]);
  });

  it('refuses by name what it does not implement, instead of running it differently', () => {
    const problems = (state: Record<string, unknown>) => unsupportedMapFields('M', { ...map, ...state });
    expect(problems({ ItemBatcher: { MaxItemsPerBatch: 10 } })).toEqual(['Distributed Map "M" uses ItemBatcher, which the local runner does not implement']);
    expect(problems({ ToleratedFailurePercentagePath: '$.p' })).toEqual(['Distributed Map "M" uses ToleratedFailurePercentagePath, which the local runner does not implement']);
    expect(problems({ ItemReader: { ...map.ItemReader, ReaderConfig: { InputType: 'CSV' } } })).toEqual(['Distributed Map "M" reads CSV items; the local runner supports JSON and JSONL']);
    expect(problems({ ItemReader: { ...map.ItemReader, Resource: 'arn:aws:states:::s3:listObjectsV2' } })[0]).toMatch(/reads items with arn:aws:states:::s3:listObjectsV2/);
    expect(problems({ ItemReader: undefined })[0]).toMatch(/reads its items from the state input/);
    expect(problems({ ResultWriter: { WriterConfig: { OutputType: 'JSONL', Transformation: 'NONE' } } })).toHaveLength(2);
  });

  it('stands in a Task that keeps the paths, Catch and transition, with no timeout of its own', () => {
    expect(standIn(map, 'arn:aws:lambda:us-east-1:1:function:stand-in')).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:lambda:us-east-1:1:function:stand-in',
      TimeoutSeconds: UNBOUNDED_TASK_SECONDS,
      ResultPath: null,
      Catch: map.Catch,
      Next: 'Finish',
    });
  });

  it('bounds a Task without TimeoutSeconds as Step Functions does (not the local library\'s 60 s), nested ones too, and leaves a set one', () => {
    const states = withTaskTimeouts({
      Set: { Type: 'Task', Resource: 'r', TimeoutSeconds: 30, Next: 'Unset' },
      Unset: { Type: 'Task', Resource: 'r', Next: 'Inline' },
      Inline: { Type: 'Map', ItemProcessor: { StartAt: 'T', States: { T: { Type: 'Task', Resource: 'r', End: true } } }, Next: 'Both' },
      Both: { Type: 'Parallel', Branches: [{ StartAt: 'B', States: { B: { Type: 'Task', Resource: 'r', TimeoutSecondsPath: '$.t', End: true } } }], End: true },
    });
    expect(states.Set!.TimeoutSeconds).toBe(30);
    expect(states.Unset!.TimeoutSeconds).toBe(UNBOUNDED_TASK_SECONDS);
    expect(states.Inline!.ItemProcessor.States.T.TimeoutSeconds).toBe(UNBOUNDED_TASK_SECONDS);
    expect(states.Both!.Branches[0].States.B.TimeoutSeconds).toBeUndefined();
    // Node's timers wait at most 2^31 - 1 ms: a longer timeout would fire at once.
    expect(UNBOUNDED_TASK_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
  });
});
