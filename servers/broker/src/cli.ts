#!/usr/bin/env node
// First the V8 settings, then the kit and the four systems (main.ts): ES modules load their whole
// static import graph before any of it runs, and loading four systems' modules grew V8's young
// generation to 16 MB before the settings that keep it small were read.
import '@portcullis/core/tune-v8';

await import('./main.js');
