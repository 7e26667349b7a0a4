import { afterAll } from '@jest/globals';
import { closeLabContext } from '../support/lab';

afterAll(closeLabContext);
