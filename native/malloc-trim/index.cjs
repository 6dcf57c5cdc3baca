// The compiled addon (build/Release/malloc_trim.node, made by `node-gyp rebuild` on install).
module.exports = require('./build/Release/malloc_trim.node');
