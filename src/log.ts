// What the domain logs through: Powertools' logger in a Lambda, anything with the same two
// methods elsewhere (the console in a script). The domain never configures logging itself.
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
}
