// EventBridge rule schedule expressions, checked the way EventBridge checks them when the
// stack deploys: a pattern accepts rate(0 minutes) or cron(61 * * * ? *), and the mistake
// would otherwise surface as a CloudFormation rollback instead of a line in `config validate`.
// Rules take rate(VALUE UNIT) and six-field cron(...); at(...) is EventBridge Scheduler's.

const EXAMPLES = 'rate(1 hour), rate(15 minutes) or cron(0 3 * * ? *)';
const CRON_LAYOUT = 'MINUTES HOURS DAY-OF-MONTH MONTH DAY-OF-WEEK YEAR';

/** What is wrong with `expression` as an EventBridge rule schedule, one message per mistake; empty when EventBridge accepts it. */
export function scheduleExpressionProblems(expression: string): string[] {
  const rate = /^rate\((.*)\)$/s.exec(expression);
  if (rate) return rateProblems(expression, rate[1] ?? '');
  const cron = /^cron\((.*)\)$/s.exec(expression);
  if (cron) return cronProblems(expression, cron[1] ?? '');
  return [`"${expression}": expected an EventBridge schedule expression such as ${EXAMPLES}`];
}

const RATE_UNITS = new Map([
  ['minute', 'minutes'],
  ['hour', 'hours'],
  ['day', 'days'],
]);

function rateProblems(expression: string, body: string): string[] {
  const parts = body.trim().split(/\s+/);
  const [value, unit] = parts;
  if (parts.length !== 2 || value === undefined || unit === undefined) {
    return [`${expression}: expected rate(VALUE UNIT), such as rate(1 hour) or rate(15 minutes)`];
  }
  const problems: string[] = [];
  const count = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(count >= 1)) problems.push(`${expression} value "${value}": expected a whole number of 1 or more`);
  const singular = [...RATE_UNITS].find(([one, many]) => unit === one || unit === many)?.[0];
  if (singular === undefined) {
    problems.push(`${expression} unit "${unit}": expected minute(s), hour(s) or day(s)`);
  } else if (count >= 1) {
    // EventBridge refuses "rate(1 minutes)" and "rate(5 minute)".
    const wanted = count === 1 ? singular : RATE_UNITS.get(singular);
    if (unit !== wanted) problems.push(`${expression} unit "${unit}": expected "${wanted}" with the value ${count}, as in rate(${count} ${wanted})`);
  }
  return problems;
}

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names standing for min, min + 1, ... (JAN = 1, SUN = 1). */
  names?: readonly string[];
  /** The largest step after "/" that still fires more than once. */
  maxStep: number;
  /** The forms beyond numbers, for messages. */
  extra?: string;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: readonly CronField[] = [
  { name: 'minutes', min: 0, max: 59, maxStep: 59 },
  { name: 'hours', min: 0, max: 23, maxStep: 23 },
  { name: 'day-of-month', min: 1, max: 31, maxStep: 31, extra: ', ?, L, LW or NW (the weekday nearest day N)' },
  { name: 'month', min: 1, max: 12, names: MONTHS, maxStep: 12 },
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, maxStep: 7, extra: ', ?, L, NL (the last weekday N of the month) or N#K (the K-th weekday N, K 1-5)' },
  { name: 'year', min: 1970, max: 2199, maxStep: 229 },
];
const [, , DAY_OF_MONTH, , DAY_OF_WEEK] = FIELDS;

function cronProblems(expression: string, body: string): string[] {
  const values = body.trim().split(/\s+/).filter(Boolean);
  if (values.length !== FIELDS.length) {
    const hint =
      values.length === 5
        ? ' (a Unix crontab has 5: add the year, e.g. *, and put ? in day-of-month or day-of-week)'
        : values.length === 7
          ? ' (there is no seconds field)'
          : '';
    return [`${expression} has ${values.length} field(s): expected 6, ${CRON_LAYOUT}, such as cron(0 3 * * ? *)${hint}`];
  }
  // Names are case-insensitive, as in the Quartz syntax EventBridge follows.
  const upper = values.map((v) => v.toUpperCase());
  const problems = FIELDS.flatMap((field, i) => fieldProblems(field, upper[i] ?? '').map((p) => `${expression} ${field.name} field ${p}`));
  const [dayOfMonth, dayOfWeek] = [upper[2], upper[4]];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    problems.push(
      dayOfMonth === '?'
        ? `${expression}: day-of-month and day-of-week are both "?": set one of them, e.g. * in day-of-month (cron(0 3 * * ? *))`
        : `${expression}: day-of-month "${values[2]}" and day-of-week "${values[4]}" are both set: EventBridge takes one, put ? in the other (e.g. cron(0 3 ? * MON *) or cron(0 3 1 * ? *))`,
    );
  }
  return problems;
}

function expected(field: CronField): string {
  const names = field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : '';
  return `${field.min}-${field.max}${names}${field.extra ?? ''}`;
}

/** Problems of one field, each starting with the offending part in quotes. */
function fieldProblems(field: CronField, value: string): string[] {
  if (value === '?') {
    return field === DAY_OF_MONTH || field === DAY_OF_WEEK ? [] : [`"?": expected ${expected(field)} (? is for day-of-month or day-of-week only)`];
  }
  if (field === DAY_OF_MONTH && (value === 'L' || value === 'LW')) return [];
  if (field === DAY_OF_MONTH && value.endsWith('W')) return numberProblems(field, value.slice(0, -1), value);
  if (field === DAY_OF_WEEK && value === 'L') return [];
  if (field === DAY_OF_WEEK && value.endsWith('L')) return numberProblems(field, value.slice(0, -1), value);
  if (field === DAY_OF_WEEK && value.includes('#')) {
    const [day = '', nth = ''] = value.split('#');
    const nthOk = /^[1-5]$/.test(nth) ? [] : [`"${value}": the week "${nth}" after # is expected to be 1-5`];
    return [...numberProblems(field, day, value), ...nthOk];
  }
  return value.split(',').flatMap((item) => itemProblems(field, item));
}

/** One item of a list: *, N, N-M, optionally followed by /STEP. */
function itemProblems(field: CronField, item: string): string[] {
  const [range = '', step, ...rest] = item.split('/');
  if (rest.length > 0 || item === '') return [`"${item}": expected ${expected(field)}, with * , - and / (e.g. */15, 1-5 or 0,30)`];
  const problems: string[] = [];
  if (range !== '*') {
    const ends = range.split('-');
    if (ends.length > 2) return [`"${item}": expected a range such as ${field.min}-${field.max}`];
    for (const end of ends) problems.push(...numberProblems(field, end, item));
  }
  if (step !== undefined) {
    const n = /^\d+$/.test(step) ? Number(step) : NaN;
    if (!(n >= 1 && n <= field.maxStep)) problems.push(`"${item}": the step "${step}" after / is expected to be 1-${field.maxStep}`);
  }
  return problems;
}

function numberProblems(field: CronField, value: string, context: string): string[] {
  const named = field.names?.indexOf(value) ?? -1;
  if (named >= 0) return [];
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (n >= field.min && n <= field.max) return [];
  return [`"${context}": expected ${expected(field)}`];
}
