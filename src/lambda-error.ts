// A Lambda function's error as Step Functions passes it on: the Cause is the function's
// error payload as JSON ({errorType, errorMessage, trace}); a person wants its message.

export function lambdaErrorMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const payload = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof payload.errorMessage === 'string' ? payload.errorMessage : cause;
  } catch {
    return cause;
  }
}
