import { MultipleErrors, ResponseError } from '@platformatic/kafka';
import { kafkaErrorReasons } from '#src/kafka/errors';

describe('kafkaErrorReasons', () => {
  it("gives the broker's words from under the client's aggregates, not the operation's name", () => {
    // CreateTopics (key 19) v7 answering INVALID_CONFIG (40) for the first topic.
    const response = new ResponseError(19, 7, { '/topics/0': [40, 'Invalid value abc for configuration retention.ms: Not a number of type LONG'] }, {});
    const err = new MultipleErrors('Creating topics failed.', [response]);
    expect(kafkaErrorReasons(err)).toBe('Configuration is invalid. Invalid value abc for configuration retention.ms: Not a number of type LONG');
  });

  it('lists distinct reasons once each, and keeps a plain error as it is', () => {
    const err = new AggregateError([new Error('Connection refused.'), new AggregateError([new Error('Connection refused.'), new Error('Timeout.')])], 'Listing topics failed.');
    expect(kafkaErrorReasons(err)).toBe('Connection refused.; Timeout.');
    expect(kafkaErrorReasons(new Error('plain'))).toBe('plain');
  });
});
