#!/usr/bin/env node
// First: the V8 settings must hold before the kit and the server load.
import '@portcullis/core/tune-v8';
import { runServerCli } from '@portcullis/core';
import { server } from './index.js';

await runServerCli(server);
