// @platformatic/kafka reports a failed request as an aggregate whose message names only the
// operation ("Creating topics failed."): the broker's reasons are in the errors it carries.

/** What the error's innermost errors say (the broker's own words included), `; `-separated. */
export function kafkaErrorReasons(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const reasons = new Set<string>();
  const collect = (e: Error) => {
    const nested = e instanceof AggregateError ? e.errors.filter((n): n is Error => n instanceof Error) : [];
    if (nested.length > 0) {
      nested.forEach(collect);
      return;
    }
    const detail = (e as { serverErrorMessage?: string | null }).serverErrorMessage;
    reasons.add(detail ? `${e.message} ${detail}` : e.message);
  };
  collect(err);
  return [...reasons].join('; ');
}
