/** The environment variable a Lambda reads its estate configuration from (JSON). */
export const ESTATE_CONFIG_ENV = 'KAFKA_DR_CONFIG';
