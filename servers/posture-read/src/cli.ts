#!/usr/bin/env node
import { runServerCli } from '@portcullis/core';
import { server } from './index.js';

await runServerCli(server);
