#!/usr/bin/env node
'use strict';
// Run at install by node-gyp-build (package.json "prebuild.test"): it exits
// non-zero when no addon fits this Node, and node-gyp-build then builds one
// from source. Without it a build/Release left from another Node version
// would pass (the addon loads in any Node, see lib/native/addon.ts), and
// `npm rebuild nodeinstrument` would keep it.
require('../dist/cjs/native/addon.js').loadNative();
