import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ESTATE_CONFIG } from '#src/environment';
import { estateConfig } from '../../functions/runtime/estate-config';

describe('a Lambda reading its estate configuration at start', () => {
  afterEach(() => Reflect.deleteProperty(process.env, ESTATE_CONFIG.name));

  it('fails the start with every bad field when the bundled configuration is invalid, then loads a valid one', () => {
    expect(() => estateConfig()).toThrow(`${ESTATE_CONFIG.name} is not set`);
    const example = parse(readFileSync('config/estate.example.yaml', 'utf8'));
    process.env[ESTATE_CONFIG.name] = JSON.stringify({ ...example, dns: { ...example.dns, ttl: 0 } });
    expect(() => estateConfig()).toThrow(/\$\.dns\.ttl: Too small: expected number to be >=1/);
    process.env[ESTATE_CONFIG.name] = JSON.stringify(example);
    expect(estateConfig().estate).toBe('payments');
  });
});
