import { describe, expect, it } from '@jest/globals';
import { namedRequest } from '../../lab/aws-requests';

const signed = (service: string) => `AWS4-HMAC-SHA256 Credential=lab/20261207/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`;
const fromLambda = 'aws-sdk-js/3.1168.0 ua/2.1 exec-env/AWS_Lambda_nodejs22.x';

describe("the emulator's recorded requests, named as AWS bills them", () => {
  it('names a JSON-protocol request by its target, with its body, and tells a function from the harness', () => {
    const body = JSON.stringify({ Namespace: 'KafkaDr', MetricData: [{ MetricName: 'Rpo', Value: 1 }] });
    expect(namedRequest({ headers: { Authorization: signed('monitoring'), 'X-Amz-Target': 'GraniteServiceVersion20100801.PutMetricData', 'User-Agent': fromLambda }, method: 'POST', url: '/', body, body_encoded: false })).toEqual({
      service: 'monitoring',
      operation: 'PutMetricData',
      fromFunction: true,
      body: JSON.parse(body),
    });
    expect(namedRequest({ headers: { authorization: signed('dynamodb'), 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems', 'user-agent': 'aws-sdk-js/3' }, method: 'POST', url: '/', body: Buffer.from('{}').toString('base64'), body_encoded: true })).toMatchObject({
      service: 'dynamodb',
      operation: 'TransactWriteItems',
      fromFunction: false,
    });
  });

  it('names S3 requests by billing class: an object PUT with its size, a listing, a GET', () => {
    const s3 = (method: string, url: string, headers: Record<string, string> = {}) => namedRequest({ headers: { Authorization: signed('s3'), ...headers }, method, url, body: null, body_encoded: false });
    expect(s3('PUT', '/vault/segments/dc1/orders/0/x.kdrs?x-id=PutObject', { 'Content-Length': '9000', 'X-Amz-Decoded-Content-Length': '8192' })).toMatchObject({ operation: 'PUT', contentLength: 8192 });
    expect(s3('GET', '/vault?list-type=2&prefix=manifests%2F')).toMatchObject({ operation: 'LIST' });
    expect(s3('GET', '/vault/manifests/orders/b1.json?x-id=GetObject')).toMatchObject({ operation: 'GET' });
  });

  it('names a query-protocol request by its Action', () => {
    expect(namedRequest({ headers: { Authorization: signed('sns') }, method: 'POST', url: '/', body: 'Action=Publish&TopicArn=arn', body_encoded: false })).toMatchObject({ service: 'sns', operation: 'Publish' });
  });
});
