// The AWS emulator is real enough for DNS work: a record written through the SDK v3
// Route 53 client is read back, and the change reports INSYNC.
import { ChangeResourceRecordSetsCommand, GetChangeCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { labContext } from '../support/lab';

it('creates the bootstrap record in the lab hosted zone and reads it back', async () => {
  const { config } = await labContext();
  const route53 = new Route53Client({});
  const { dns } = config;
  const change = await route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: dns.hostedZoneId,
      ChangeBatch: {
        Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: dns.recordName, Type: dns.type, TTL: dns.ttl, ResourceRecords: dns.values.dc1!.map((Value) => ({ Value })) } }],
      },
    }),
  );
  const status = await route53.send(new GetChangeCommand({ Id: change.ChangeInfo!.Id }));
  expect(status.ChangeInfo?.Status).toBe('INSYNC');
  const records = await route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: dns.hostedZoneId, StartRecordName: dns.recordName, StartRecordType: dns.type, MaxItems: 1 }));
  expect(records.ResourceRecordSets?.[0]).toMatchObject({ Name: `${dns.recordName}.`, Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: dns.values.dc1![0] }] });
});
