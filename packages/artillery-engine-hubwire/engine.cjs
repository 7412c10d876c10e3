// Artillery loads engines with require(): hand it the engine class from the ES module build.
// (require() of an ES module needs Node 20.19 or later.)
'use strict';
module.exports = require('./dist/index.js').HubwireEngine;
