/** Entry point of the `flotilla` command (bin/flotilla runs the compiled form of this file). */
import { readSettings } from '../machinery/config/switches.js';
import { buildProgram } from './program.js';

// The FLOTILLA_* settings, read once here and passed down (docs/dev/switches.md).
await buildProgram(readSettings()).parseAsync(process.argv);
