// Route 53's health checkers for CLOUDWATCH_METRIC health checks, as a proxy in front of the
// emulator's Route 53 (or of another proxy, such as test/support/route53-faults.ts). The emulator drops a
// health check's AlarmIdentifier and InsufficientDataHealthStatus and answers every
// GetHealthCheckStatus with "Success", whatever the health check follows: a test reading it
// could not fail. This proxy remembers what CreateHealthCheck asked for and answers
// GetHealthCheckStatus from the state of the alarm the health check names, in the alarm's
// region, as Route 53's health checkers do: OK healthy, ALARM unhealthy, INSUFFICIENT_DATA as
// InsufficientDataHealthStatus says (LastKnownStatus: the status before, healthy for a new
// health check). Everything else goes upstream unchanged.
//
// Wire protocol: Route 53 API reference, CreateHealthCheck (POST /2013-04-01/healthcheck,
// HealthCheckConfig with AlarmIdentifier {Region, Name} and InsufficientDataHealthStatus),
// GetHealthCheckStatus (GET /2013-04-01/healthcheck/{id}/status; GetHealthCheckStatusResponse/
// HealthCheckObservations/HealthCheckObservation with Region, IPAddress and StatusReport
// {Status, CheckedTime}), and "Common Errors" for the error responses. The API reference only
// says a StatusReport.Status is a description; it starts with "Success" or "Failure", and the
// words after that are the lab's.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { forwardTo, route53Error, type Route53Fault } from './route53-proxy';

/** The health checker regions GetHealthCheckStatus reports from (the API reference's HealthCheckRegion values). */
const CHECKER_REGIONS = ['us-east-1', 'us-west-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'sa-east-1'];

export interface FollowedHealthCheck {
  id: string;
  alarm: { region: string; name: string };
  insufficientDataHealthStatus: 'Healthy' | 'Unhealthy' | 'LastKnownStatus';
  lastKnownHealthy: boolean;
}

export interface HealthCheckers {
  url: string;
  /** The CLOUDWATCH_METRIC health checks created through the proxy, by id. */
  readonly healthChecks: Map<string, FollowedHealthCheck>;
  /** GetHealthCheckStatus requests received, answered or refused. */
  statusRequests: number;
  /** Route 53's API impaired: GetHealthCheckStatus answered with this error. */
  statusFault?: Route53Fault;
  close(): Promise<void>;
}

const HEALTH_CHECKS = /^\/2013-04-01\/healthcheck\/?$/;
const STATUS = /^\/2013-04-01\/healthcheck\/([^/]+)\/status\/?$/;

const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const element = (xml: string, name: string) => {
  const found = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return found === undefined ? undefined : unescape(found);
};
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** `upstream`: where everything else goes; `cloudwatchEndpoint`: the emulator, where the alarms are read. */
export async function route53HealthCheckers(upstream: string, cloudwatchEndpoint: string, { beatMs = 1000 } = {}): Promise<HealthCheckers> {
  const cloudwatchIn = new Map<string, CloudWatchClient>();
  const alarmState = async ({ region, name }: FollowedHealthCheck['alarm']): Promise<string | undefined> => {
    let client = cloudwatchIn.get(region);
    if (!client) cloudwatchIn.set(region, (client = new CloudWatchClient({ region, endpoint: cloudwatchEndpoint })));
    const out = await client.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm'] }));
    return out.MetricAlarms?.[0]?.StateValue;
  };
  /** What the health checkers see now; updates the last known status. */
  const observe = async (check: FollowedHealthCheck): Promise<{ healthy: boolean; status: string }> => {
    const state = await alarmState(check.alarm);
    const alarm = `CloudWatch alarm ${check.alarm.name} (${check.alarm.region})`;
    if (state === 'OK' || state === 'ALARM') {
      check.lastKnownHealthy = state === 'OK';
      return { healthy: check.lastKnownHealthy, status: `${check.lastKnownHealthy ? 'Success' : 'Failure'}: ${alarm} is ${state}` };
    }
    const healthy = check.insufficientDataHealthStatus === 'LastKnownStatus' ? check.lastKnownHealthy : check.insufficientDataHealthStatus === 'Healthy';
    const why = state === undefined ? 'does not exist' : 'has insufficient data';
    return { healthy, status: `${healthy ? 'Success' : 'Failure'}: ${alarm} ${why}; InsufficientDataHealthStatus ${check.insufficientDataHealthStatus}` };
  };

  const checkers: HealthCheckers = {
    url: '',
    healthChecks: new Map(),
    statusRequests: 0,
    close: async () => {
      clearInterval(beat);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  // The health checkers watch all the time, not only when asked: LastKnownStatus is what they last saw.
  const beat = setInterval(() => {
    for (const check of checkers.healthChecks.values()) void observe(check).catch(() => undefined);
  }, beatMs);

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const path = new URL(req.url!, 'http://route53').pathname;
        const status = req.method === 'GET' ? STATUS.exec(path) : null;
        if (status) {
          checkers.statusRequests++;
          const fault = checkers.statusFault;
          if (fault && fault.times > 0) {
            fault.times--;
            route53Error(res, fault.status, fault.code);
            return;
          }
          const check = checkers.healthChecks.get(decodeURIComponent(status[1]!));
          // Not a CLOUDWATCH_METRIC health check created here: the emulator's own answer (NoSuchHealthCheck when unknown).
          if (!check) return void (await forwardTo(upstream, req, body, res));
          const seen = await observe(check);
          const checkedTime = new Date().toISOString();
          const observations = CHECKER_REGIONS.map(
            (region, i) =>
              `<HealthCheckObservation><Region>${region}</Region><IPAddress>192.0.2.${i + 1}</IPAddress><StatusReport><Status>${escape(seen.status)}</Status><CheckedTime>${checkedTime}</CheckedTime></StatusReport></HealthCheckObservation>`,
          );
          res
            .writeHead(200, { 'content-type': 'text/xml' })
            .end(`<?xml version="1.0" encoding="UTF-8"?>\n<GetHealthCheckStatusResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HealthCheckObservations>${observations.join('')}</HealthCheckObservations></GetHealthCheckStatusResponse>`);
          return;
        }
        const answer = await forwardTo(upstream, req, body, res);
        const request = body.toString('utf8');
        if (req.method === 'POST' && HEALTH_CHECKS.test(path) && answer.status < 300 && element(request, 'Type') === 'CLOUDWATCH_METRIC') {
          const id = element(answer.body.toString('utf8'), 'Id');
          const [region, name] = [element(request, 'Region'), element(request, 'Name')];
          if (!id || !region || !name) throw new Error(`lab proxy: a CLOUDWATCH_METRIC health check without an id or an alarm: ${request}`);
          const insufficient = (element(request, 'InsufficientDataHealthStatus') ?? 'LastKnownStatus') as FollowedHealthCheck['insufficientDataHealthStatus'];
          checkers.healthChecks.set(id, { id, alarm: { region, name }, insufficientDataHealthStatus: insufficient, lastKnownHealthy: true });
        }
      })().catch((err: Error) => {
        if (!res.headersSent) res.writeHead(502).end(`lab proxy: ${err.message}`);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  checkers.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return checkers;
}
