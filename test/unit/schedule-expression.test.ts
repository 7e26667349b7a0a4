import { scheduleExpressionProblems } from '#src/config/schedule-expression';

describe('EventBridge schedule expressions', () => {
  it.each([
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    // The examples of the EventBridge documentation.
    'cron(0 10 * * ? *)',
    'cron(15 12 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/15 * * * ? *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0/5 8-17 ? * MON-FRI *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0 10 ? * 6L 2002-2005)',
    // Every wildcard of every field.
    'cron(*/59 0,12,23 L * ? 1970)',
    'cron(5,35 1-5/2 LW JAN-MAR,OCT-DEC ? 2199)',
    'cron(0 0 15W 1/3 ? */2)',
    'cron(0 0 ? 12 L *)',
    'cron(0 0 ? * FRI#5 *)',
    'cron(0 0 ? * SUN,SAT *)',
    'cron(0 0 ? * 1-7 *)',
    'cron(0 3 ? * mon-fri *)',
  ])('accepts %s', (expression) => {
    expect(scheduleExpressionProblems(expression)).toEqual([]);
  });

  it.each([
    ['hourly', '"hourly": expected an EventBridge schedule expression such as rate(1 hour), rate(15 minutes) or cron(0 3 * * ? *)'],
    ['at(2030-01-01T00:00:00)', 'expected an EventBridge schedule expression'],
    ['rate(0 minutes)', 'rate(0 minutes) value "0": expected a whole number of 1 or more'],
    ['rate(-5 minutes)', 'rate(-5 minutes) value "-5": expected a whole number of 1 or more'],
    ['rate(1.5 hours)', 'rate(1.5 hours) value "1.5": expected a whole number of 1 or more'],
    ['rate(1 minutes)', 'rate(1 minutes) unit "minutes": expected "minute" with the value 1, as in rate(1 minute)'],
    ['rate(1 days)', 'rate(1 days) unit "days": expected "day" with the value 1, as in rate(1 day)'],
    ['rate(5 minute)', 'rate(5 minute) unit "minute": expected "minutes" with the value 5, as in rate(5 minutes)'],
    ['rate(30 seconds)', 'rate(30 seconds) unit "seconds": expected minute(s), hour(s) or day(s)'],
    ['rate(hour)', 'rate(hour): expected rate(VALUE UNIT), such as rate(1 hour) or rate(15 minutes)'],
    ['cron(61 * * * ? *)', 'cron(61 * * * ? *) minutes field "61": expected 0-59'],
    ['cron(0 24 * * ? *)', 'cron(0 24 * * ? *) hours field "24": expected 0-23'],
    ['cron(0 0 32 * ? *)', 'cron(0 0 32 * ? *) day-of-month field "32": expected 1-31, ?, L, LW or NW'],
    ['cron(0 0 0 * ? *)', 'cron(0 0 0 * ? *) day-of-month field "0": expected 1-31'],
    ['cron(0 0 32W * ? *)', 'cron(0 0 32W * ? *) day-of-month field "32W": expected 1-31'],
    ['cron(0 0 1 13 ? *)', 'cron(0 0 1 13 ? *) month field "13": expected 1-12 or JAN-DEC'],
    ['cron(0 0 1 JAN-FOO ? *)', 'cron(0 0 1 JAN-FOO ? *) month field "JAN-FOO": expected 1-12 or JAN-DEC'],
    ['cron(0 0 ? * 8 *)', 'cron(0 0 ? * 8 *) day-of-week field "8": expected 1-7 or SUN-SAT, ?, L, NL'],
    ['cron(0 0 ? * MON#6 *)', 'cron(0 0 ? * MON#6 *) day-of-week field "MON#6": the week "6" after # is expected to be 1-5'],
    ['cron(0 0 ? * 9L *)', 'cron(0 0 ? * 9L *) day-of-week field "9L": expected 1-7 or SUN-SAT'],
    ['cron(0 0 * * ? 1969)', 'cron(0 0 * * ? 1969) year field "1969": expected 1970-2199'],
    ['cron(0 0 * * ? 2200)', 'cron(0 0 * * ? 2200) year field "2200": expected 1970-2199'],
    ['cron(0/0 * * * ? *)', 'cron(0/0 * * * ? *) minutes field "0/0": the step "0" after / is expected to be 1-59'],
    ['cron(*/60 * * * ? *)', 'cron(*/60 * * * ? *) minutes field "*/60": the step "60" after / is expected to be 1-59'],
    ['cron(1-2-3 * * * ? *)', 'cron(1-2-3 * * * ? *) minutes field "1-2-3": expected a range such as 0-59'],
    ['cron(5,,10 * * * ? *)', 'cron(5,,10 * * * ? *) minutes field "": expected 0-59, with * , - and /'],
    ['cron(0 ? * * ? *)', 'cron(0 ? * * ? *) hours field "?": expected 0-23 (? is for day-of-month or day-of-week only)'],
    ['cron(0 3 1 * MON *)', 'cron(0 3 1 * MON *): day-of-month "1" and day-of-week "MON" are both set: EventBridge takes one, put ? in the other'],
    ['cron(0 3 * * * *)', 'cron(0 3 * * * *): day-of-month "*" and day-of-week "*" are both set'],
    ['cron(0 3 ? * ? *)', 'cron(0 3 ? * ? *): day-of-month and day-of-week are both "?": set one of them'],
    ['cron(0 3 * * ?)', 'cron(0 3 * * ?) has 5 field(s): expected 6, MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR, such as cron(0 3 * * ? *) (a Unix crontab has 5'],
    ['cron(0 0 3 * * ? *)', 'cron(0 0 3 * * ? *) has 7 field(s): expected 6, MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR, such as cron(0 3 * * ? *) (there is no seconds field)'],
    ['cron()', 'cron() has 0 field(s): expected 6'],
  ])('rejects %s, saying what is expected', (expression, message) => {
    const problems = scheduleExpressionProblems(expression);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports every bad field of a cron expression', () => {
    expect(scheduleExpressionProblems('cron(60 25 * * MON *)')).toEqual([
      'cron(60 25 * * MON *) minutes field "60": expected 0-59',
      'cron(60 25 * * MON *) hours field "25": expected 0-23',
      'cron(60 25 * * MON *): day-of-month "*" and day-of-week "MON" are both set: EventBridge takes one, put ? in the other (e.g. cron(0 3 ? * MON *) or cron(0 3 1 * ? *))',
    ]);
  });
});
