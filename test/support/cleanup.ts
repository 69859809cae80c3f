/**
 * Runs in every vitest test file (vitest.config.ts, setupFiles): once the file's own hooks have
 * closed its desktops and servers, the folders it made with tempDataDir go. (vitest ends its
 * worker processes without their `exit` event, so tempDataDir's own removal does not run there.)
 */
import { afterAll } from 'vitest';
import { removeTempDataDirs } from './host-process';

afterAll(() => removeTempDataDirs());
