import { dnsNameProblems, hostPortProblems, httpUrlProblems, ipv4Problems, ipv6Problems } from '#src/config/network-address';

describe('broker addresses (host:port)', () => {
  it.each(['kafka-dc1-1.example.internal:9096', 'kafka:1', 'kafka:65535', '10.0.1.20:9092', '[fd00::1]:9092', '[::ffff:10.0.0.1]:9092', 'b-1.msk_cluster.kafka.eu-west-1.amazonaws.com:9098', 'kafka.example.internal.:9092'])(
    'accepts %s',
    (value) => {
      expect(hostPortProblems(value)).toEqual([]);
    },
  );

  it.each([
    ['kafka:0', '"kafka:0": port "0": expected 1-65535'],
    ['kafka:65536', '"kafka:65536": port "65536": expected 1-65535'],
    ['kafka:99999', '"kafka:99999": port "99999": expected 1-65535'],
    ['kafka:', '"kafka:": port "": expected 1-65535'],
    ['kafka:90x', '"kafka:90x": port "90x": expected 1-65535'],
    ['kafka-dc1', '"kafka-dc1": expected host:port such as kafka-1.dc1.internal:9092 (the port is required)'],
    ['PLAINTEXT://kafka:9092', '"PLAINTEXT://kafka:9092": expected host:port such as kafka-1.dc1.internal:9092, without a scheme'],
    ['fd00::1:9092', '"fd00::1:9092": expected host:port; write an IPv6 address in brackets, such as [fd00::1]:9092'],
    ['[fd00::g]:9092', '"[fd00::g]:9092": "fd00::g": expected an IPv6 address such as fd00::1'],
    ['10.0.0.256:9092', '"10.0.0.256:9092": "10.0.0.256": "256" is out of range: expected 0-255'],
    ['10.0.1:9092', '"10.0.1:9092": "10.0.1": expected an IPv4 address such as 10.0.1.20'],
    ['kafka..dc1:9092', '"kafka..dc1:9092": "kafka..dc1" has an empty label (".." or a leading "."): expected a DNS name such as kafka-1.dc1.internal'],
    [':9092', '":9092": the host is empty: expected a DNS name such as kafka-1.dc1.internal'],
    [`${'a'.repeat(64)}.internal:9092`, `the label "${'a'.repeat(64)}" has 64 characters: a DNS label has at most 63`],
  ])('rejects %s, saying what is expected', (value, message) => {
    const problems = hostPortProblems(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('reports a bad host and a bad port together', () => {
    expect(hostPortProblems('10.0.0.300:0')).toEqual(['"10.0.0.300:0": "10.0.0.300": "300" is out of range: expected 0-255', '"10.0.0.300:0": port "0": expected 1-65535']);
  });
});

describe('DNS names', () => {
  it.each(['kafka.payments.example.internal', 'kafka.payments.example.internal.', '_kafka.example', 'a'.repeat(63) + '.example'])('accepts %s', (name) => {
    expect(dnsNameProblems(name)).toEqual([]);
  });

  it('accepts a wildcard label only where asked', () => {
    expect(dnsNameProblems('*.example.internal', { wildcard: true })).toEqual([]);
    expect(dnsNameProblems('*.example.internal')[0]).toContain('the label "*" has other characters than letters, digits, "-" and "_"');
  });

  it.each([
    ['kafka-dc1:9096', '"kafka-dc1:9096": the label "kafka-dc1:9096" has other characters than letters, digits, "-" and "_": expected a DNS name such as kafka-1.dc1.internal (no scheme, port or path)'],
    ['.example.internal', '".example.internal" has an empty label'],
    [`${'a.'.repeat(127)}ab`, 'has 256 characters: a DNS name has at most 253'],
  ])('rejects %s, saying what is expected', (name, message) => {
    expect(dnsNameProblems(name)[0]).toContain(message);
  });
});

describe('IP addresses', () => {
  it.each(['10.0.1.20', '0.0.0.0', '255.255.255.255'])('accepts the IPv4 address %s', (address) => {
    expect(ipv4Problems(address)).toEqual([]);
  });

  it.each([
    ['10.0.0.256', '"10.0.0.256": "256" is out of range: expected 0-255'],
    ['10.0.0.010', '"10.0.0.010": "010" has a leading zero: expected 10'],
    ['10.0.0', '"10.0.0": expected an IPv4 address such as 10.0.1.20'],
    ['kafka.internal', '"kafka.internal": expected an IPv4 address such as 10.0.1.20'],
  ])('rejects the IPv4 address %s', (address, message) => {
    expect(ipv4Problems(address)).toEqual([message]);
  });

  it.each(['fd00::1', '::1', '2001:db8:0:0:0:0:0:1', '::ffff:10.0.0.1'])('accepts the IPv6 address %s', (address) => {
    expect(ipv6Problems(address)).toEqual([]);
  });

  it.each(['fd00::g', '10.0.0.1', '1:2:3:4:5:6:7:8:9', 'fd00::1]/x[', 'fd00:::1'])('rejects the IPv6 address %s', (address) => {
    expect(ipv6Problems(address)).toEqual([`"${address}": expected an IPv6 address such as fd00::1`]);
  });
});

describe('HTTP endpoints', () => {
  it.each(['http://connect.dc2.internal:8083', 'https://connect-dc2.example.internal:8083', 'https://connect.example.internal/kafka-connect/', 'http://10.0.1.20:8083', 'http://[fd00::1]:8083'])('accepts %s', (url) => {
    expect(httpUrlProblems(url)).toEqual([]);
  });

  it.each([
    ['ftp://connect:8083', '"ftp://connect:8083": scheme "ftp": expected an http(s) URL such as http://connect.dc2.internal:8083'],
    ['connect:8083', '"connect:8083": expected an http(s) URL such as http://connect.dc2.internal:8083 (it starts with http:// or https://)'],
    ['connect.dc2.internal', '"connect.dc2.internal": expected an http(s) URL such as http://connect.dc2.internal:8083'],
    ['http://connect:99999', '"http://connect:99999": port "99999": expected 1-65535, in an http(s) URL such as http://connect.dc2.internal:8083'],
    ['http://connect:0', '"http://connect:0": port "0": expected 1-65535'],
    ['http://:8083', '"http://:8083": not a valid URL: expected an http(s) URL such as http://connect.dc2.internal:8083'],
    ['http://admin:secret@connect:8083', '"http://admin:secret@connect:8083": remove the user name and password from the URL (it is logged): keep credentials in a Secrets Manager secret'],
    ['http://connect:8083/?expand=status', '"http://connect:8083/?expand=status": remove "?expand=status": expected an http(s) URL such as http://connect.dc2.internal:8083, without query or fragment'],
    ['http://connect:8083#top', 'remove "#top"'],
  ])('rejects %s, saying what is expected', (url, message) => {
    const problems = httpUrlProblems(url);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });
});
