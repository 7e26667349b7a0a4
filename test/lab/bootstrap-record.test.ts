// Repointing the bootstrap record against the Route 53 emulator (a hosted zone created by the lab
// estate, the SDK v3 client): the record is read back, a second repoint to the same side writes
// nothing, and the change reports INSYNC.
import { Route53Client } from '@aws-sdk/client-route-53';
import { changeInSync, readBootstrapRecord, recordDns, repointBootstrapRecord } from '#src/dns/bootstrap-record';
import { labContext } from '../support/lab';

it('repoints the bootstrap record to dc2 and back, idempotently, reading back each time', async () => {
  const { config } = await labContext();
  const route53 = new Route53Client({});
  const dns = recordDns(config.dns, null);
  await repointBootstrapRecord(route53, dns, 'dc1', 'test: start on dc1');

  const toDc2 = await repointBootstrapRecord(route53, dns, 'dc2', 'test: fail over to dc2');
  expect(toDc2.before?.values).toEqual(dns.values.dc1);
  expect(toDc2.changeId).not.toBeNull();
  expect(await changeInSync(route53, toDc2.changeId!)).toBe(true);
  expect(await readBootstrapRecord(route53, dns)).toEqual({ name: `${dns.recordName}.`, type: 'CNAME', ttl: dns.ttl, values: dns.values.dc2 });

  const again = await repointBootstrapRecord(route53, dns, 'dc2', 'test: re-run');
  expect(again.changeId).toBeNull();

  const back = await repointBootstrapRecord(route53, dns, 'dc1', 'test: fail back');
  expect(back.changeId).not.toBeNull();
  expect((await readBootstrapRecord(route53, dns))?.values).toEqual(dns.values.dc1);
});

it('refuses a cluster with no DNS value, naming the field to add', async () => {
  const { config } = await labContext();
  await expect(repointBootstrapRecord(new Route53Client({}), recordDns(config.dns, null), 'dc9', 'test')).rejects.toThrow('no DNS value for cluster dc9: add dns.values.dc9 to the estate file');
});
