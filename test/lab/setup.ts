import { afterAll } from '@jest/globals';
import { endFunctions } from '../../lab/lambda/local-function';
import { closeLabContext } from '../support/lab';

afterAll(closeLabContext);
afterAll(endFunctions);
