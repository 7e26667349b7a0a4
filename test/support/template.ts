// Reading the synthesized control plane in template tests: resources, IAM grants, state machine definitions.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../lib/app';
import type { EstateConfig } from '#src/config/schema';

export type Resources = Record<string, any>;

/** Synthesizes the app (cdk-nag included) without bundling the handlers: app.test.ts covers bundling. */
export function synthControlPlane(estate: EstateConfig) {
  const app = new App({ outdir: mkdtempSync(path.join(tmpdir(), 'kafka-dr-template-')), context: { 'aws:cdk:bundling-stacks': [] } });
  const built = buildApp(estate, app);
  return { ...built, template: Template.fromStack(built.controlPlane) };
}

export function only(resources: Resources, what: string): [string, any] {
  const entries = Object.entries(resources);
  if (entries.length !== 1) throw new Error(`expected exactly one ${what}, found ${entries.length}`);
  return entries[0]!;
}

/** The Lambda function whose handler lives in functions/<handlerDir>. */
export function functionOf(template: Template, handlerDir: string): [string, any] {
  return only(
    template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: `kafka-dr-${handlerDir}` } } } }),
    `${handlerDir} function`,
  );
}

/** A Fn::Join'ed string with each Fn::GetAtt/Ref written as {LogicalId}. */
export function joined(value: any): string {
  if (typeof value === 'string') return value;
  if (value.Ref ?? value['Fn::GetAtt']) return `{${value['Fn::GetAtt']?.[0] ?? value.Ref}}`;
  const [sep, parts] = value['Fn::Join'];
  return parts.map(joined).join(sep);
}

export const statementsOf = (policy: any): any[] => [policy.Properties.PolicyDocument.Statement].flat();
export const actionsOf = (statement: any): string[] => [statement.Action].flat();
export const resourcesOf = (statement: any): string[] => [statement.Resource].flat().map(joined);

/** Whether an Allow statement grants `action` (IAM wildcards in the statement's actions count). */
export function allows(statement: any, action: string): boolean {
  const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
  return statement.Effect === 'Allow' && actionsOf(statement).some((a) => glob(a).test(action));
}

/**
 * Who may do `action` (on a resource `onResource` accepts, when given): the handler
 * directories of the Lambda functions, or the logical ids of other roles, sorted.
 */
export function principalsAllowed(template: Template, action: string, onResource: (resource: string) => boolean = () => true): string[] {
  const functionByRole = new Map(
    Object.values(template.findResources('AWS::Lambda::Function')).map((f) => [f.Properties.Role['Fn::GetAtt'][0], f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME.replace(/^kafka-dr-/, '')]),
  );
  const principals = Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => statementsOf(p).some((s) => allows(s, action) && resourcesOf(s).some((r) => r === '*' || onResource(r))))
    .flatMap((p) => p.Properties.Roles.map((r: any) => functionByRole.get(r.Ref) ?? r.Ref));
  return [...new Set(principals)].sort();
}

/** The resources `handlerDir`'s role may do `action` on. */
export function resourcesAllowed(template: Template, handlerDir: string, action: string): string[] {
  const roleId = functionOf(template, handlerDir)[1].Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(statementsOf)
    .filter((s) => allows(s, action))
    .flatMap(resourcesOf);
}

// The state machine's definition, as Amazon States Language.
export type Rule = Record<string, any>;
export interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Rule[];
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[];
  Retry?: { ErrorEquals: string[]; IntervalSeconds?: number; MaxAttempts?: number; BackoffRate?: number }[];
  [field: string]: any;
}
export interface Asl {
  StartAt: string;
  States: Record<string, AslState>;
  TimeoutSeconds?: number;
}

/** The definition with each Lambda's ARN written as {LogicalId} of the function. */
export function definitionOf(stateMachine: any): Asl {
  return JSON.parse(joined(stateMachine.Properties.DefinitionString));
}

export function successors(state: AslState, takeRule: (rule: Rule) => boolean = () => true): string[] {
  const next = [state.Next, state.Default, ...(state.Choices ?? []).filter(takeRule).map((r) => r.Next), ...(state.Catch ?? []).map((c) => c.Next)];
  return next.filter((n): n is string => n !== undefined);
}

export function reachable(asl: Asl, from: string, takeRule?: (rule: Rule) => boolean): Set<string> {
  const seen = new Set<string>();
  for (const todo = [from]; todo.length > 0; ) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    todo.push(...successors(asl.States[name]!, takeRule));
  }
  return seen;
}
